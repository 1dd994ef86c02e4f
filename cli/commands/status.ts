import { type Command, InvalidArgumentError } from 'commander';
import { metricsOf } from '../../functions/shared/control/delivery-metrics.js';
import { type EnvironmentStatus, environmentStatus } from '../../functions/shared/control/manual-control.js';
import { type DeliveryMetrics, parseWindow } from '../../functions/shared/domain/delivery-metrics.js';
import { formatMetrics, formatStatus } from '../format.js';
import { apiOption, callApi, configOption, deployed, regionOption, stackOption } from './shared.js';

interface StatusOptions {
  url: string;
  stack?: string;
  region?: string;
  config: string;
  json?: boolean;
  metrics?: boolean;
  since?: number;
  production?: string;
}

const window = (value: string) => {
  const seconds = parseWindow(value);
  if (seconds === undefined) throw new InvalidArgumentError('must be a window such as 30d, 2w or 12h');
  return seconds;
};

/** `sluice status`: each environment's live traffic, lock and latest releases; or, with --metrics, DORA's four. */
export function addStatusCommand(program: Command): void {
  program
    .command('status')
    .description(
      "each environment's live traffic (read from the listener), lock and latest releases; --metrics: delivery metrics",
    )
    .option(...apiOption)
    .option(...stackOption)
    .option(...regionOption)
    .option(...configOption)
    .option('--json', 'print JSON')
    .option(
      '--metrics',
      "DORA's delivery metrics from the release records: deployment frequency, lead time, change failure rate, time to restore",
    )
    .option(
      '--since <window>',
      'with --metrics: the window, ending now (30d, 2w, 12h) (default: 30d)',
      window,
    )
    .option('--production <env>', "with --metrics: the production environment (default: the config's last)")
    .action(async (opts: StatusOptions) => {
      if (opts.metrics) {
        const metrics = await metricsFor(opts);
        console.log(opts.json ? JSON.stringify(metrics, null, 2) : formatMetrics(metrics));
        return;
      }
      const environments = opts.stack
        ? await statusOf(await deployed({ ...opts, stack: opts.stack }))
        : ((await callApi(`${opts.url}/api/status`)) as { environments: EnvironmentStatus[] }).environments;
      console.log(opts.json ? JSON.stringify({ environments }, null, 2) : formatStatus(environments));
    });
}

/** The metrics from the deployed stack's release table (--stack), or from `sluice serve`. */
async function metricsFor(opts: StatusOptions): Promise<DeliveryMetrics> {
  const options = {
    ...(opts.since ? { sinceSeconds: opts.since } : {}),
    ...(opts.production ? { production: opts.production } : {}),
  };
  if (opts.stack) return metricsOf((await deployed({ ...opts, stack: opts.stack })).ports, options);
  const query = new URLSearchParams({
    ...(opts.since ? { since: `${opts.since}s` } : {}),
    ...(opts.production ? { production: opts.production } : {}),
  });
  return (await callApi(`${opts.url}/api/metrics${query.size ? `?${query}` : ''}`)) as DeliveryMetrics;
}

/** Status read with the caller as the actor: an environment's role session names them. */
const statusOf = (stack: { ports: Parameters<typeof environmentStatus>[0]; caller: string }) =>
  environmentStatus(stack.ports, 3, stack.caller);
