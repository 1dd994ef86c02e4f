import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';

/**
 * Thin AWS entries (issue 17, item 3): each function's logic (`functions/<name>/<name>.ts`,
 * `createXHandler`) lives apart from its AWS wiring (`handler.ts`), so the logic and the tests of
 * it load no AWS SDK client. Checked on the module graph esbuild resolves, packages left out:
 * what a module imports from a package is listed, whoever imports it.
 */

const root = new URL('../..', import.meta.url).pathname;
/** Packages that construct AWS clients, or an engine or emulator that does. */
const SDK_CLIENT =
  /^(@aws-sdk\/(client-[^/]+|lib-dynamodb|credential-providers)|aws-local-stepfunctions|dynalite)(\/|$)/;

/** The SDK client packages the module at `entry` reaches, through Sluice's own modules. */
async function sdkClientsOf(entry: string): Promise<string[]> {
  const result = await build({
    entryPoints: [join(root, entry)],
    absWorkingDir: root,
    bundle: true,
    write: false,
    platform: 'node',
    format: 'esm',
    packages: 'external',
    metafile: true,
    logLevel: 'silent',
  });
  const found = new Set<string>();
  for (const { imports } of Object.values(result.metafile.inputs)) {
    for (const { path, external } of imports) {
      if (external && SDK_CLIENT.test(path)) found.add(path);
    }
  }
  return [...found].sort();
}

const functionNames = readdirSync(join(root, 'functions')).filter((name) =>
  existsSync(join(root, 'functions', name, 'handler.ts')),
);
const handlerTests = readdirSync(join(root, 'test/handlers')).filter((f) => f.endsWith('.test.ts'));

describe('Thin AWS entries: the logic apart from its wiring', () => {
  it('gives every function its logic module beside handler.ts', () => {
    expect(functionNames.length).toBeGreaterThan(10);
    expect(functionNames.filter((name) => !existsSync(join(root, 'functions', name, `${name}.ts`)))).toEqual(
      [],
    );
  });

  it("keeps every function's logic free of AWS SDK clients: only handler.ts wires them", async () => {
    const leaks: string[] = [];
    for (const name of functionNames) {
      for (const pkg of await sdkClientsOf(`functions/${name}/${name}.ts`)) leaks.push(`${name}: ${pkg}`);
    }
    expect(leaks).toEqual([]);
  });

  it('loads no AWS SDK client, engine or emulator in a handler test', async () => {
    const leaks: string[] = [];
    for (const file of handlerTests) {
      for (const pkg of await sdkClientsOf(`test/handlers/${file}`)) leaks.push(`${file}: ${pkg}`);
    }
    expect(leaks).toEqual([]);
  });

  it('sees a client where one is imported (the check can fail)', async () => {
    expect(await sdkClientsOf('functions/deploy/handler.ts')).toEqual(
      expect.arrayContaining(['@aws-sdk/client-ecs', '@aws-sdk/client-elastic-load-balancing-v2']),
    );
  });
});
