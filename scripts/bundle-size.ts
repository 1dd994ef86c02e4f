/**
 * Bundles every functions/<name>/handler.ts exactly as the CDK stack does (the options come from
 * infra/bundling.ts) and prints each minified bundle's size. Exits 1 if one exceeds the budget.
 *
 *   npm run bundle-size            # table
 *   npm run bundle-size -- --top 8 # and each bundle's largest inputs
 */
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { esbuildOptions } from '../infra/bundling.js';

const BUDGET_KB = 300;
const root = new URL('..', import.meta.url).pathname;
const topArg = process.argv.indexOf('--top');
const top = topArg > 0 ? Number(process.argv[topArg + 1] ?? 8) : 0;

const functionsDir = join(root, 'functions');
const names = readdirSync(functionsDir)
  .filter((name) => name !== 'shared' && existsSync(join(functionsDir, name, 'handler.ts')))
  .sort();

const out = mkdtempSync(join(tmpdir(), 'sluice-bundle-size-'));
const rows: { name: string; kb: number }[] = [];
try {
  for (const name of names) {
    const outfile = join(out, name, 'index.mjs');
    const result = await build({
      ...esbuildOptions(join(functionsDir, name, 'handler.ts'), outfile),
      metafile: top > 0,
      logLevel: 'error',
    });
    rows.push({ name, kb: statSync(outfile).size / 1024 });
    if (top > 0 && result.metafile) {
      const inputs = Object.values(result.metafile.outputs)[0]?.inputs ?? {};
      const byPackage = new Map<string, number>();
      for (const [path, { bytesInOutput }] of Object.entries(inputs)) {
        const pkg = path.match(/node_modules\/((?:@[^/]+\/)?[^/]+)/)?.[1] ?? '(sluice)';
        byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + bytesInOutput);
      }
      console.log(`${name}:`);
      for (const [pkg, bytes] of [...byPackage].sort((a, b) => b[1] - a[1]).slice(0, top)) {
        console.log(`  ${(bytes / 1024).toFixed(1).padStart(8)} KB  ${pkg}`);
      }
    }
  }
} finally {
  rmSync(out, { recursive: true, force: true });
}

const width = Math.max(...rows.map((r) => r.name.length), 'function'.length);
console.log(`${'function'.padEnd(width)}  ${'size (KB)'.padStart(10)}`);
console.log(`${'-'.repeat(width)}  ${'-'.repeat(10)}`);
for (const { name, kb } of rows) {
  console.log(
    `${name.padEnd(width)}  ${kb.toFixed(1).padStart(10)}${kb > BUDGET_KB ? `  > ${BUDGET_KB} KB` : ''}`,
  );
}
const over = rows.filter((r) => r.kb > BUDGET_KB);
if (over.length > 0) {
  console.error(
    `\n${over.length} bundle(s) over the ${BUDGET_KB} KB budget: ${over.map((r) => r.name).join(', ')}`,
  );
  process.exit(1);
}
