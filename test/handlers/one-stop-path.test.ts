import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = new URL('../..', import.meta.url).pathname;

/** Every TypeScript source under the given folders, relative to the repository root. */
function sources(...folders: string[]): string[] {
  const walk = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) return walk(path);
      return entry.name.endsWith('.ts') ? [relative(root, path)] : [];
    });
  return folders.flatMap((folder) => walk(join(root, folder)));
}

/** The files that call a method of that name (not the ones that declare or implement it). */
const callersOf = (method: string, files: string[]) =>
  files.filter((file) => new RegExp(`\\.${method}\\(`).test(readFileSync(join(root, file), 'utf8')));

/**
 * Every way to end a release from outside its state machine (an alarm's event, an abort from the
 * CLI, the local API or Slack, an operator's rollback, a newer push, a stale lock) goes through
 * functions/shared/control/release-control.ts: endRelease marks the record and stops the
 * execution, stopRelease then restores traffic and frees the lock. A second path would be fixed
 * apart from the first; this holds the code to one.
 */
describe('The one stop path', () => {
  const files = sources('functions', 'embedded', 'cli');

  it('is the only caller of the orchestrator’s StopExecution', () => {
    expect(callersOf('stopExecution', files)).toEqual(['functions/shared/control/release-control.ts']);
  });

  it('is what every caller that ends a release from outside uses', () => {
    const users = files.filter((file) =>
      /\b(stopRelease|endRelease)\(/.test(readFileSync(join(root, file), 'utf8')),
    );
    expect(users.sort()).toEqual([
      'functions/alarm-rollback/alarm-rollback.ts',
      'functions/shared/control/environment-lock.ts',
      'functions/shared/control/manual-control.ts',
      'functions/shared/control/release-control.ts',
      'functions/slack-interactions/slack-interactions.ts',
    ]);
  });
});
