import { readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { localFunctionArn, placeholders, readAsl, STATEMACHINES_DIR, substitute } from '../embedded/asl.js';

// asl-validator is CommonJS with a default-export function.
const require = createRequire(import.meta.url);
const aslValidator = require('asl-validator') as (
  definition: unknown,
  options?: { checkPaths?: boolean; checkArn?: boolean },
) => { isValid: boolean; errorsText: (separator?: string) => string };

/** Fields the embedded engine accepts but silently ignores, or cannot run: banned in our ASL. */
const BANNED = ['Assign', 'HeartbeatSeconds', 'HeartbeatSecondsPath', 'Arguments', 'Output'];

interface StateLike {
  Type?: string;
  TimeoutSeconds?: number;
  TimeoutSecondsPath?: string;
  States?: Record<string, StateLike>;
  ItemProcessor?: StateLike;
  Iterator?: StateLike;
  Branches?: StateLike[];
  [key: string]: unknown;
}

/** Problems the schema validator does not know are problems for Sluice. */
function sluiceRules(definition: StateLike, where = ''): string[] {
  const problems: string[] = [];
  for (const field of BANNED) {
    if (field in definition) problems.push(`${where || '(root)'}: ${field} is not allowed (JSONPath only)`);
  }
  if (definition.QueryLanguage !== undefined && definition.QueryLanguage !== 'JSONPath') {
    problems.push(
      `${where || '(root)'}: QueryLanguage must be JSONPath (the embedded engine cannot run JSONata)`,
    );
  }
  for (const [name, state] of Object.entries(definition.States ?? {})) {
    const path = `${where}States.${name}`;
    for (const field of BANNED) {
      if (field in state)
        problems.push(`${path}: ${field} is not allowed (the embedded engine cannot run it)`);
    }
    if (state.QueryLanguage !== undefined && state.QueryLanguage !== 'JSONPath') {
      problems.push(`${path}: QueryLanguage must be JSONPath (the embedded engine cannot run JSONata)`);
    }
    if (JSON.stringify(state).includes('{%')) problems.push(`${path}: JSONata expressions are not allowed`);
    if (
      state.Type === 'Task' &&
      state.TimeoutSeconds === undefined &&
      state.TimeoutSecondsPath === undefined
    ) {
      problems.push(`${path}: every Task needs TimeoutSeconds`);
    }
    const inner = state.ItemProcessor ?? state.Iterator;
    if (inner) problems.push(...sluiceRules(inner, `${path}.ItemProcessor.`));
    (state.Branches ?? []).forEach((branch, i) => {
      problems.push(...sluiceRules(branch, `${path}.Branches[${i}].`));
    });
  }
  return problems;
}

export interface AslReport {
  file: string;
  problems: string[];
}

/** Validates every statemachines/*.asl.json: raw, after substitution, and against Sluice's rules. */
export function checkStateMachines(dir = STATEMACHINES_DIR): AslReport[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.asl.json'))
    .map((file) => {
      const name = file.replace(/\.asl\.json$/, '');
      const text = readAsl(name);
      const problems: string[] = [];
      let raw: StateLike;
      try {
        raw = JSON.parse(text) as StateLike;
      } catch (error) {
        return { file: join(dir, file), problems: [`not JSON: ${(error as Error).message}`] };
      }
      // Our rules first: the validator fills in defaults (QueryLanguage) on the object it is given.
      problems.push(...sluiceRules(raw));
      const rawResult = aslValidator(JSON.parse(text), { checkPaths: true, checkArn: true });
      if (!rawResult.isValid) problems.push(`raw: ${rawResult.errorsText('; ')}`);
      const values = Object.fromEntries(
        placeholders(text).map((p) => [p, localFunctionArn(p.replace(/FunctionArn$/, ''))]),
      );
      const substituted = JSON.parse(substitute(text, values));
      const subResult = aslValidator(substituted, { checkPaths: true, checkArn: true });
      if (!subResult.isValid) problems.push(`substituted: ${subResult.errorsText('; ')}`);
      return { file: join(dir, file), problems };
    });
}
