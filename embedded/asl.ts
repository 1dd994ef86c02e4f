import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const STATEMACHINES_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'statemachines');

/** The task functions the release state machine invokes, by placeholder (CDK's definitionSubstitutions). */
export const RELEASE_FUNCTIONS = [
  'BeginRelease',
  'VerifyBuild',
  'Deploy',
  'ShiftTraffic',
  'CheckAlarms',
  'RecordRelease',
  'Rollback',
] as const;
export type ReleaseFunction = (typeof RELEASE_FUNCTIONS)[number];

export function readAsl(name = 'release'): string {
  return readFileSync(join(STATEMACHINES_DIR, `${name}.asl.json`), 'utf8');
}

/** Every `${Name}` placeholder in a definition. */
export function placeholders(text: string): string[] {
  return [...new Set([...text.matchAll(/\$\{([A-Za-z0-9_]+)\}/g)].map((m) => m[1]!))].sort();
}

/** Replaces `${Name}` placeholders as CDK's definitionSubstitutions does; a missing one is an error. */
export function substitute(text: string, values: Record<string, string>): string {
  return text.replace(/\$\{([A-Za-z0-9_]+)\}/g, (_, name: string) => {
    const value = values[name];
    if (value === undefined) throw new Error(`no substitution for \${${name}}`);
    return value;
  });
}

/** The local stand-in for a function ARN, as the embedded runtime substitutes it. */
export function localFunctionArn(fn: string): string {
  return `arn:aws:lambda:us-east-1:000000000000:function:sluice-${fn.replace(/[A-Z]/g, (c, i) => (i ? '-' : '') + c.toLowerCase())}`;
}
