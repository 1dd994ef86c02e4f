import { readFileSync, writeFileSync } from 'node:fs';
import { Command, InvalidArgumentError } from 'commander';
import { apiTokenFile, readApiToken } from '../embedded/api-token.js';
import { configJsonSchema, DEFAULT_CONFIG_FILE, deployedConfig, loadConfig } from '../embedded/config.js';
import {
  abortRelease,
  type EnvironmentStatus,
  environmentStatus,
  rollbackEnvironment,
} from '../functions/shared/control/manual-control.js';
import { ConfigError } from '../functions/shared/domain/config.js';
import { type PushEvent, planRelease } from '../functions/shared/domain/plan.js';
import type { Side } from '../functions/shared/domain/restore.js';
import { stackEnvironmentWorstCase } from '../infra/lambda-environment.js';
import { checkStateMachines } from './asl-check.js';
import { addDoctorCommand, DoctorExit } from './doctor.js';
import { formatPlan, formatStatus } from './format.js';

/** Exit codes: 0 done, 1 the job failed, 2 bad input (config, arguments). */
export const EXIT = { ok: 0, failed: 1, badInput: 2 } as const;

const port = (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError('must be a port number');
  return n;
};

const side = (value: string): Side => {
  if (value !== 'blue' && value !== 'green') throw new InvalidArgumentError('must be blue or green');
  return value;
};

class Exit extends Error {
  constructor(readonly code: number) {
    super(`exit ${code}`);
  }
}

/** Runs the CLI and resolves to its exit code (bin/sluice.js sets process.exitCode from it). */
export async function main(argv: string[]): Promise<number> {
  const program = new Command()
    .name('sluice')
    .description('Release orchestrator: canary traffic shifts on ALB, alarm-driven rollback, Step Functions.')
    .exitOverride()
    .showHelpAfterError();
  const configOption = ['-c, --config <file>', 'Sluice config file', DEFAULT_CONFIG_FILE] as const;

  program
    .command('validate')
    .description('check the config and every state machine definition')
    .option(...configOption)
    .action((opts: { config: string }) => {
      const config = loadConfig(opts.config);
      console.log(`✓ ${opts.config}`);
      let bad = 0;
      const env = stackEnvironmentWorstCase(config.service);
      const bytes = (n: number) => n.toLocaleString('en-US');
      const envLine = `Lambda environment: worst case ${bytes(env.bytes)} of ${bytes(env.limit)} bytes (margin ${bytes(env.margin)})`;
      if (env.margin >= 0) console.log(`✓ ${envLine}`);
      else {
        bad++;
        console.error(`✗ ${envLine}`);
      }
      for (const report of checkStateMachines()) {
        if (report.problems.length === 0) console.log(`✓ ${report.file}`);
        else {
          bad++;
          console.error(`✗ ${report.file}\n${report.problems.map((p) => `  ${p}`).join('\n')}`);
        }
      }
      if (bad > 0) throw new Exit(EXIT.badInput);
    });

  program
    .command('schema')
    .description("print the config's JSON Schema (for editors)")
    .action(() => console.log(JSON.stringify(configJsonSchema(), null, 2)));

  program
    .command('plan')
    .description('show what a GitHub push event would release')
    .requiredOption('-e, --event <file>', 'a GitHub push event payload (JSON)')
    .option(...configOption)
    .option('--json', 'print JSON')
    .action((opts: { event: string; config: string; json?: boolean }) => {
      const config = loadConfig(opts.config);
      let event: PushEvent;
      try {
        event = JSON.parse(readFileSync(opts.event, 'utf8')) as PushEvent;
      } catch (error) {
        console.error(`cannot read event ${opts.event}: ${(error as Error).message}`);
        throw new Exit(EXIT.badInput);
      }
      const plan = planRelease(config, event);
      console.log(opts.json ? JSON.stringify(plan, null, 2) : formatPlan(plan));
    });

  program
    .command('demo')
    .description('run a healthy and a faulty release on the embedded runtime, with real HTTP traffic')
    .option(...configOption)
    .option('--json <file>', 'write the report as JSON')
    .option('--rate <n>', 'requests per second of steady load', (v) => Number(v), 200)
    .option('--verbose', "also print the handlers' structured logs")
    .action(async (opts: { config: string; json?: string; rate: number; verbose?: boolean }) => {
      // The demo prints its own progress; the handlers' JSON logs are for Lambda.
      if (!opts.verbose) process.env.SLUICE_LOG_LEVEL ??= 'silent';
      const { runDemo } = await import('./demo.js');
      const report = await runDemo({ config: loadConfig(opts.config), rate: opts.rate });
      if (opts.json) writeFileSync(opts.json, `${JSON.stringify(report, null, 2)}\n`);
      if (!report.ok) throw new Exit(EXIT.failed);
    });

  program
    .command('serve')
    .description('run Sluice locally: webhooks, API and local load balancers')
    .option(...configOption)
    .option('-p, --port <port>', 'HTTP port for webhooks and the API', port, 8787)
    .action(async (opts: { config: string; port: number }) => {
      const { serveLocally } = await import('./serve.js');
      await serveLocally({ config: loadConfig(opts.config), port: opts.port });
    });

  const apiOption = ['-u, --url <url>', 'the `sluice serve` URL', 'http://127.0.0.1:8787'] as const;
  const byOption = [
    '--by <who>',
    'who is acting (recorded; with --stack, your AWS identity)',
    process.env.USER ?? 'cli',
  ] as const;
  const stackOption = [
    '--stack <name>',
    'act on this deployed CloudFormation stack with your AWS credentials',
  ] as const;
  const regionOption = ['--region <region>', "the stack's region (default: the AWS SDK's)"] as const;
  /** The deployed stack named by --stack, checked against the config file. */
  const deployed = async (opts: { stack: string; region?: string; config: string }) => {
    const { connectToStack } = await import('./stack.js');
    return connectToStack(
      { stack: opts.stack, ...(opts.region ? { region: opts.region } : {}) },
      deployedConfig(loadConfig(opts.config)),
    );
  };

  program
    .command('status')
    .description("each environment's live traffic (read from the listener), lock and latest releases")
    .option(...apiOption)
    .option(...stackOption)
    .option(...regionOption)
    .option(...configOption)
    .option('--json', 'print JSON')
    .action(
      async (opts: { url: string; stack?: string; region?: string; config: string; json?: boolean }) => {
        const environments = opts.stack
          ? await environmentStatus((await deployed({ ...opts, stack: opts.stack })).ports)
          : ((await callApi(`${opts.url}/api/status`)) as { environments: EnvironmentStatus[] }).environments;
        console.log(opts.json ? JSON.stringify({ environments }, null, 2) : formatStatus(environments));
      },
    );

  program
    .command('rollback')
    .description('roll an environment back: stop its running release, or flip to the previous version')
    .requiredOption('--env <name>', 'environment')
    .option(...apiOption)
    .option(...stackOption)
    .option(...regionOption)
    .option(...configOption)
    .option(...byOption)
    .option('--reason <text>', 'why (recorded)', 'manual rollback')
    .option(
      '--to <side>',
      'the group to put all traffic on (blue|green), where the records cannot say which one the last release made live',
      side,
    )
    .action(async (opts: ActionOptions & { env: string; to?: Side }) => {
      if (!opts.stack) {
        printJson(
          await callApi(`${opts.url}/api/environments/${encodeURIComponent(opts.env)}/rollback`, {
            by: opts.by,
            reason: opts.reason,
            ...(opts.to ? { to: opts.to } : {}),
          }),
        );
        return;
      }
      const { ports, caller } = await deployed({ ...opts, stack: opts.stack });
      printJson(
        await rollbackEnvironment(
          ports,
          opts.env,
          { by: caller, reason: opts.reason },
          opts.to ? { to: opts.to } : {},
        ),
      );
    });

  program
    .command('abort')
    .description('abort a running release and restore its traffic')
    .argument('<release>', 'release id')
    .option(...apiOption)
    .option(...stackOption)
    .option(...regionOption)
    .option(...configOption)
    .option(...byOption)
    .option('--reason <text>', 'why (recorded)', 'manual abort')
    .action(async (release: string, opts: ActionOptions) => {
      if (!opts.stack) {
        printJson(
          await callApi(`${opts.url}/api/releases/${encodeURIComponent(release)}/abort`, {
            by: opts.by,
            reason: opts.reason,
          }),
        );
        return;
      }
      const { ports, caller } = await deployed({ ...opts, stack: opts.stack });
      const records = await abortRelease(ports, release, { by: caller, reason: opts.reason });
      printJson({ aborted: records.map((r) => ({ environment: r.environment, status: r.status })) });
    });

  addDoctorCommand(program);

  program
    .command('approve')
    .description('approve a pending approval, as a signed Slack click on `sluice serve`')
    .argument('<approval>', 'approval id (the page lists them)')
    .option(...apiOption)
    .option('--as <user>', 'the Slack user id to click as (default: the first approver)')
    .action(async (approval: string, opts: { url: string; as?: string }) => {
      await decideApproval(opts.url, approval, 'approve', opts.as);
    });

  program
    .command('reject')
    .description('reject a pending approval, as a signed Slack click on `sluice serve`')
    .argument('<approval>', 'approval id (the page lists them)')
    .option(...apiOption)
    .option('--as <user>', 'the Slack user id to click as (default: the first approver)')
    .action(async (approval: string, opts: { url: string; as?: string }) => {
      await decideApproval(opts.url, approval, 'reject', opts.as);
    });

  try {
    await program.parseAsync(argv);
    return EXIT.ok;
  } catch (error) {
    if (error instanceof Exit || error instanceof DoctorExit) return error.code;
    if (error instanceof ConfigError) {
      console.error(error.message);
      return EXIT.badInput;
    }
    const code = (error as { code?: string }).code;
    if (code === 'commander.helpDisplayed' || code === 'commander.version') return EXIT.ok;
    if (typeof code === 'string' && code.startsWith('commander.')) return EXIT.badInput;
    console.error(`sluice: ${(error as Error).message}`);
    return EXIT.failed;
  }
}

interface ActionOptions {
  url: string;
  stack?: string;
  region?: string;
  config: string;
  by: string;
  reason: string;
}

const printJson = (value: unknown) => console.log(JSON.stringify(value));

/** The token `sluice serve` left in .sluice/api-token; its /api refuses requests without it. */
function apiToken(): string {
  const token = readApiToken();
  if (!token) {
    console.error(`no API token in ${apiTokenFile()}: is \`sluice serve\` running from this directory?`);
    throw new Exit(EXIT.failed);
  }
  return token;
}

/** Calls the `sluice serve` API: a POST with who and why when `body` is given, else a GET. */
async function callApi(url: string, body?: { by: string; reason: string; to?: Side }): Promise<unknown> {
  const headers = { 'x-sluice-token': apiToken() };
  const response = await fetch(
    url,
    body
      ? {
          method: 'POST',
          headers: { ...headers, 'content-type': 'application/json' },
          body: JSON.stringify(body),
        }
      : { headers },
  );
  const text = await response.text();
  if (!response.ok) {
    console.error(text);
    throw new Exit(EXIT.failed);
  }
  return JSON.parse(text);
}

async function decideApproval(
  base: string,
  approval: string,
  action: 'approve' | 'reject',
  user: string | undefined,
): Promise<void> {
  const response = await fetch(`${base}/api/approvals/${encodeURIComponent(approval)}/${action}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-sluice-token': apiToken() },
    body: JSON.stringify(user ? { user } : {}),
  });
  const result = (await response.json().catch(() => ({}))) as {
    status?: number;
    user?: string;
    said?: string[];
  };
  if (!response.ok || result.status !== 200) {
    console.error(`${action} failed: ${JSON.stringify(result)}`);
    throw new Exit(EXIT.failed);
  }
  const said = result.said?.length ? result.said.join(' ') : action === 'approve' ? 'approved' : 'rejected';
  console.log(`${approval}: ${said} (signed Slack click as ${result.user})`);
  if (result.said?.length) throw new Exit(EXIT.failed);
}
