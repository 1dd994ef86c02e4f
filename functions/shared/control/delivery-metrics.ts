import { type DeliveryMetrics, deliveryMetrics } from '../domain/delivery-metrics.js';
import type { Ports } from '../ports/index.js';
import { ManualActionError } from './manual-control.js';

/** What the metrics read: every record, the config's environments, the clock. */
export type MetricsPorts = Pick<Ports, 'releases' | 'config' | 'now'>;

/**
 * DORA's four metrics over the last `sinceSeconds`, for every environment of the config (in its
 * order); production is the last one unless named. One read of the whole release table: the
 * CLI and the local page ask for it on demand, never a handler.
 */
export async function metricsOf(
  ports: MetricsPorts,
  options: { sinceSeconds?: number; production?: string } = {},
): Promise<DeliveryMetrics> {
  const environments = ports.config().environments.map((e) => e.name);
  if (options.production !== undefined && !environments.includes(options.production))
    throw new ManualActionError(`no environment named ${options.production}`);
  return deliveryMetrics(await ports.releases().list(), {
    environments,
    now: ports.now(),
    ...options,
  });
}
