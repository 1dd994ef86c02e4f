import { jest } from '@jest/globals';
import { main } from '../../cli/main.js';

/** Runs the CLI in-process and returns its exit code and what it printed. */
export async function runCli(...args: string[]): Promise<{ code: number; output: string }> {
  const out: string[] = [];
  const log = jest.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void out.push(a.join(' ')));
  const err = jest
    .spyOn(console, 'error')
    .mockImplementation((...a: unknown[]) => void out.push(a.join(' ')));
  const write = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
  try {
    const code = await main(['node', 'sluice', ...args]);
    return { code, output: out.join('\n') };
  } finally {
    log.mockRestore();
    err.mockRestore();
    write.mockRestore();
  }
}
