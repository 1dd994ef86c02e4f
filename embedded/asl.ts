import { functionPlaceholder, readDefinition, substitute } from '../statemachines/definitions.js';

/** The local stand-in for a function ARN, as the embedded runtime substitutes it. */
export function localFunctionArn(fn: string): string {
  return `arn:aws:lambda:us-east-1:000000000000:function:sluice-${fn.replace(/[A-Z]/g, (c, i) => (i ? '-' : '') + c.toLowerCase())}`;
}

/** A definition with every `${<Name>FunctionArn}` placeholder filled with the local ARN of <Name>. */
export function localDefinition(name: string, functions: readonly string[]): string {
  return substitute(
    readDefinition(name),
    Object.fromEntries(functions.map((fn) => [functionPlaceholder(fn), localFunctionArn(fn)])),
  );
}
