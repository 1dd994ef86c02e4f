import type { Command } from 'commander';
import { readApiToken } from '../embedded/api-token.js';
import { DEFAULT_CONFIG_FILE, deployedConfig, loadConfig } from '../embedded/config.js';
import { type Check, type DoctorReport, doctorExitCode } from '../functions/shared/domain/doctor.js';

/** The doctor's exit: 0 nothing fails, 1 a check fails, 2 doctor could not run. */
export class DoctorExit extends Error {
  override readonly name = 'DoctorExit';
  constructor(readonly code: 0 | 1 | 2) {
    super(`exit ${code}`);
  }
}

const MARK = { ok: '✓', warn: '⚠', fail: '✗' } as const;

function formatChecks(checks: Check[]): string[] {
  const width = Math.max(0, ...checks.map((c) => c.id.length));
  return checks.flatMap((c) => [
    `  ${MARK[c.status]} ${c.id.padEnd(width)}  ${c.detail}`,
    ...(c.fix ? [`    ${' '.repeat(width)}  fix: ${c.fix}`] : []),
  ]);
}

/** The report as tables: one per environment, then global. */
export function formatDoctor(report: DoctorReport): string {
  const all = [...report.global, ...report.environments.flatMap((e) => e.checks)];
  const count = (s: Check['status']) => all.filter((c) => c.status === s).length;
  return [
    ...report.environments.flatMap((env) => [env.name, ...formatChecks(env.checks), '']),
    'global',
    ...formatChecks(report.global),
    '',
    `${count('ok')} ok, ${count('warn')} warning${count('warn') === 1 ? '' : 's'}, ${count('fail')} failed`,
  ].join('\n');
}

interface DoctorOptions {
  url: string;
  stack?: string;
  region?: string;
  config: string;
  json?: boolean;
  /** @default the token `sluice serve` wrote to .sluice/api-token */
  apiToken?: string;
}

async function embeddedReport(url: string, token = readApiToken()): Promise<DoctorReport> {
  if (!token)
    throw new Unavailable(
      'no API token in .sluice/api-token: is `sluice serve` running from this directory?',
    );
  let response: Response;
  try {
    response = await fetch(`${url}/api/doctor`, { headers: { 'x-sluice-token': token } });
  } catch (error) {
    throw new Unavailable(`cannot reach \`sluice serve\` at ${url}: ${(error as Error).message}`);
  }
  if (!response.ok)
    throw new Unavailable(`\`sluice serve\` at ${url} answered ${response.status}: ${await response.text()}`);
  return (await response.json()) as DoctorReport;
}

class Unavailable extends Error {
  override readonly name = 'DoctorUnavailableError';
}

/** Runs the doctor and prints its report; resolves to the exit code. */
export async function runDoctor(opts: DoctorOptions): Promise<0 | 1 | 2> {
  let report: DoctorReport;
  try {
    if (opts.stack) {
      const { awsDoctor } = await import('./doctor-aws.js');
      report = await awsDoctor(deployedConfig(loadConfig(opts.config)), {
        stack: opts.stack,
        ...(opts.region ? { clientConfig: { region: opts.region } } : {}),
      });
    } else report = await embeddedReport(opts.url, opts.apiToken ?? readApiToken());
  } catch (error) {
    console.error(`sluice doctor could not run: ${(error as Error).message}`);
    return 2;
  }
  console.log(opts.json ? JSON.stringify(report, null, 2) : formatDoctor(report));
  return doctorExitCode(report);
}

/** Adds `sluice doctor` to the program; its action throws DoctorExit with the code, for main to return. */
export function addDoctorCommand(program: Command): void {
  program
    .command('doctor')
    .description(
      'check a setup before the first release: the role of each environment in its own account (assumed as you), listener, alarms, ECS, ECR, secrets, dead letters, rules, GitHub, Slack (read-only: no check changes anything)',
    )
    .option('-u, --url <url>', 'the `sluice serve` URL', 'http://127.0.0.1:8787')
    .option('--stack <name>', 'check this deployed CloudFormation stack with your AWS credentials')
    .option('--region <region>', "the stack's region (default: the AWS SDK's)")
    .option('-c, --config <file>', 'Sluice config file', DEFAULT_CONFIG_FILE)
    .option('--json', 'print JSON')
    .addHelpText(
      'after',
      '\nRead-only: doctor only describes, lists and reads (AWS Describe*/Get*/List*; dead-letter queues are counted, never received; GitHub and Slack reads); it changes nothing.\nExit codes: 0 nothing fails, 1 a check fails, 2 doctor could not run (no credentials, no stack, no `sluice serve`).',
    )
    .action(async (opts: DoctorOptions) => {
      throw new DoctorExit(await runDoctor(opts));
    });
}
