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
/**
 * Functions allowed over the budget for now, each with its own ceiling and why. What is left is
 * the AWS SDK clients' schemas and error classes, which esbuild keeps whole (the schemas' computed
 * keys and the error registry count as side effects), so only fewer clients would bring these down.
 */
const OVER_BUDGET: Record<string, { kb: number; why: string }> = {
  'alarm-rollback': { kb: 315, why: 'the STS client (17 KB) for environments in their own accounts' },
  'begin-release': { kb: 325, why: 'the STS client (17 KB) for environments in their own accounts' },
  'scale-down': { kb: 320, why: 'the STS client (17 KB) for environments in their own accounts' },
  deploy: { kb: 365, why: 'five SDK clients: ECS, ELBv2, ECR, DynamoDB and STS' },
  'slack-interactions': {
    kb: 430,
    why: 'the Lambda client (69 KB, for the deferred click) beside ELBv2, Step Functions, Secrets Manager, DynamoDB and STS',
  },
};
/**
 * Packages no Lambda bundle may hold. zod validates the config at synth and in the CLI; a function
 * reads the config already validated, so a value imported from domain/config.ts (which defines the
 * schema) costs about 90 KB for nothing: lookups live in domain/environments.ts instead.
 */
const FORBIDDEN = ['zod'];
const budgetOf = (name: string) => OVER_BUDGET[name]?.kb ?? BUDGET_KB;
const root = new URL('..', import.meta.url).pathname;
const topArg = process.argv.indexOf('--top');
const top = topArg > 0 ? Number(process.argv[topArg + 1] ?? 8) : 0;

const functionsDir = join(root, 'functions');
const names = readdirSync(functionsDir)
  .filter((name) => name !== 'shared' && existsSync(join(functionsDir, name, 'handler.ts')))
  .sort();

const out = mkdtempSync(join(tmpdir(), 'sluice-bundle-size-'));
const rows: { name: string; kb: number; forbidden: string[] }[] = [];
try {
  for (const name of names) {
    const outfile = join(out, name, 'index.mjs');
    const result = await build({
      ...esbuildOptions(join(functionsDir, name, 'handler.ts'), outfile),
      metafile: true,
      logLevel: 'error',
    });
    const inputs = Object.values(result.metafile.outputs)[0]?.inputs ?? {};
    const forbidden = FORBIDDEN.filter((pkg) =>
      Object.keys(inputs).some((path) => path.includes(`node_modules/${pkg}/`)),
    );
    rows.push({ name, kb: statSync(outfile).size / 1024, forbidden });
    if (top > 0) {
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
  const note =
    kb > budgetOf(name)
      ? `  > ${budgetOf(name)} KB`
      : OVER_BUDGET[name]
        ? `  (allowed up to ${budgetOf(name)} KB: ${OVER_BUDGET[name].why})`
        : '';
  console.log(`${name.padEnd(width)}  ${kb.toFixed(1).padStart(10)}${note}`);
}
const holding = rows.filter((r) => r.forbidden.length > 0);
for (const { name, forbidden } of holding) {
  console.error(`${name} bundles ${forbidden.join(', ')}, which no Lambda needs (see FORBIDDEN)`);
}
const over = rows.filter((r) => r.kb > budgetOf(r.name));
if (holding.length > 0) process.exit(1);
if (over.length > 0) {
  console.error(
    `\n${over.length} bundle(s) over budget (${BUDGET_KB} KB, or its own ceiling): ${over.map((r) => r.name).join(', ')}`,
  );
  process.exit(1);
}
