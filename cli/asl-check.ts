import { createRequire } from 'node:module';
import { localPlaceholderValue } from '../embedded/asl.js';
import * as errors from '../functions/shared/domain/errors.js';
import {
  type AslMachine,
  type AslState,
  CHILD_EXECUTION_RESOURCE,
  childExecutionRetryProblems,
  definitionFile,
  definitionNames,
  placeholders,
  readDefinition,
  STATEMACHINES_DIR,
  substitute,
  walkStates,
} from '../statemachines/definitions.js';

// asl-validator and @wmfs/statelint are CommonJS.
const require = createRequire(import.meta.url);
const aslValidator = require('asl-validator') as (
  definition: unknown,
  options?: { checkPaths?: boolean; checkArn?: boolean },
) => { isValid: boolean; errorsText: (separator?: string) => string };
const { StateLint } = require('@wmfs/statelint') as {
  StateLint: new () => { validate(definition: unknown): string[] };
};

/** Fields the embedded engine accepts but silently ignores, or cannot run: banned in our ASL. */
const BANNED = ['Assign', 'HeartbeatSeconds', 'HeartbeatSecondsPath', 'Arguments', 'Output'];

/**
 * Every error name a Sluice handler throws: the names Retry and Catch may match. Each named
 * error's `name` is its class name (test/statemachines holds every class to it).
 */
export const HANDLER_ERROR_NAMES: ReadonlySet<string> = new Set(
  (Object.values(errors) as unknown[])
    .filter((value): value is typeof Error => typeof value === 'function' && value.prototype instanceof Error)
    .map((cls) => cls.name),
);

const isKnownErrorName = (name: string, state?: AslState) =>
  name.startsWith('States.') ||
  // Step Functions' own API errors, as a Task that starts a child execution sees them.
  (name.startsWith('StepFunctions.') && state?.Resource?.startsWith(CHILD_EXECUTION_RESOURCE) === true) ||
  name.startsWith('Lambda.') ||
  HANDLER_ERROR_NAMES.has(name) ||
  (errors.EXECUTION_ERROR_NAMES as readonly string[]).includes(name);

function engineRules(where: string, node: Record<string, unknown>): string[] {
  const problems = BANNED.filter((field) => field in node).map(
    (field) => `${where}: ${field} is not allowed (the embedded engine cannot run it; JSONPath only)`,
  );
  if (node.QueryLanguage !== undefined && node.QueryLanguage !== 'JSONPath') {
    problems.push(`${where}: QueryLanguage must be JSONPath (the embedded engine cannot run JSONata)`);
  }
  return problems;
}

/**
 * Step Functions rejects at CreateStateMachine a Retry or Catch where States.ALL is not alone in
 * the last entry ("States.ALL must appear alone and at end of list", aws/aws-cdk#10530), and
 * asl-validator does not check it.
 */
function statesAllLast(path: string, field: 'Retry' | 'Catch', entries: { ErrorEquals: string[] }[]) {
  return entries.flatMap(({ ErrorEquals }, i) =>
    ErrorEquals.includes('States.ALL') && (ErrorEquals.length > 1 || i < entries.length - 1)
      ? [`${path}.${field}[${i}]: States.ALL must appear alone, in the last ${field} entry`]
      : [],
  );
}

function stateRules(path: string, state: AslState): string[] {
  const problems = engineRules(path, state);
  if (JSON.stringify(state).includes('{%')) problems.push(`${path}: JSONata expressions are not allowed`);
  if (state.Type === 'Task' && state.TimeoutSeconds === undefined && state.TimeoutSecondsPath === undefined) {
    problems.push(`${path}: every Task needs TimeoutSeconds`);
  }
  for (const field of ['Retry', 'Catch'] as const) {
    const entries = state[field] ?? [];
    problems.push(...statesAllLast(path, field, entries));
    entries.forEach(({ ErrorEquals }, i) => {
      for (const name of ErrorEquals.filter((n) => !isKnownErrorName(n, state))) {
        problems.push(
          `${path}.${field}[${i}]: no handler throws ${name} (nor is it a States.* or Lambda.* error)`,
        );
      }
    });
  }
  problems.push(...childExecutionRetryProblems(state).map((problem) => `${path}: ${problem}`));
  if (state.Type === 'Fail' && state.Error !== undefined && !isKnownErrorName(state.Error)) {
    problems.push(`${path}: Fail names ${state.Error}, which is not a known Sluice error name`);
  }
  return problems;
}

/** Problems that the schema validator and the linter do not know are problems for Sluice. */
export function sluiceRules(machine: AslMachine): string[] {
  return [
    ...engineRules('(root)', machine),
    ...walkStates(machine).flatMap(({ path, state }) => stateRules(path, state)),
  ];
}

export interface AslReport {
  file: string;
  problems: string[];
}

/** One definition's text: schema-valid raw and substituted, lint-clean, and within Sluice's rules. */
export function checkDefinition(text: string): string[] {
  const problems = lintDefinition(text);
  if (problems[0]?.startsWith('not JSON')) return problems;
  const rawResult = aslValidator(JSON.parse(text), { checkPaths: true, checkArn: true });
  if (!rawResult.isValid) problems.push(`raw: ${rawResult.errorsText('; ')}`);
  const values = Object.fromEntries(placeholders(text).map((p) => [p, localPlaceholderValue(p)]));
  const substituted = aslValidator(JSON.parse(substitute(text, values)), {
    checkPaths: true,
    checkArn: true,
  });
  if (!substituted.isValid) problems.push(`substituted: ${substituted.errorsText('; ')}`);
  return problems;
}

/**
 * Sluice's rules and the independent linter (statelint), without the schema validator: what
 * Step Functions rejects at creation that asl-validator does not check. Fast (asl-validator
 * takes 0.2–0.4 s a call).
 */
export function lintDefinition(text: string): string[] {
  let raw: AslMachine;
  try {
    raw = JSON.parse(text) as AslMachine;
  } catch (error) {
    return [`not JSON: ${(error as Error).message}`];
  }
  // Our rules first: the validators fill in defaults (QueryLanguage) on the object they are given.
  const problems = sluiceRules(raw);
  problems.push(...new StateLint().validate(JSON.parse(text)).map((p) => `statelint: ${p}`));
  return problems;
}

/** Validates every statemachines/*.asl.json. */
export function checkStateMachines(dir = STATEMACHINES_DIR): AslReport[] {
  return definitionNames(dir).map((name) => ({
    file: definitionFile(name, dir),
    problems: checkDefinition(readDefinition(name, dir)),
  }));
}
