import {
  DEFINITION_TASK_FUNCTIONS,
  type DefinitionName,
  functionPlaceholder,
  readDefinition,
  STATE_MACHINE_PLACEHOLDERS,
  substitute,
} from '../statemachines/definitions.js';

/** The local stand-in for a function ARN, as the embedded runtime substitutes it. */
export function localFunctionArn(fn: string): string {
  return `arn:aws:lambda:us-east-1:000000000000:function:sluice-${fn.replace(/[A-Z]/g, (c, i) => (i ? '-' : '') + c.toLowerCase())}`;
}

/** The local ARN of a definition's state machine. */
export function localStateMachineArn(definition: string): string {
  return `arn:aws:states:us-east-1:000000000000:stateMachine:sluice-${definition}`;
}

/** The local value of any placeholder: a function's ARN, or a state machine's. */
export function localPlaceholderValue(placeholder: string): string {
  const machine = STATE_MACHINE_PLACEHOLDERS[placeholder];
  return machine ? localStateMachineArn(machine) : localFunctionArn(placeholder.replace(/FunctionArn$/, ''));
}

/** A definition with every placeholder filled: `${<Name>FunctionArn}` with <Name>'s local ARN, state machines likewise. */
export function localDefinition(name: DefinitionName): string {
  const functions: readonly string[] = DEFINITION_TASK_FUNCTIONS[name];
  return substitute(readDefinition(name), {
    ...Object.fromEntries(functions.map((fn) => [functionPlaceholder(fn), localFunctionArn(fn)])),
    ...Object.fromEntries(Object.keys(STATE_MACHINE_PLACEHOLDERS).map((p) => [p, localPlaceholderValue(p)])),
  });
}
