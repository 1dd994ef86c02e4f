import type { AdHocFreeze, FreezeRecord } from '../domain/windows.js';
import type { Ports } from '../ports/index.js';
import { type Actor, ManualActionError } from './manual-control.js';

/** What an operator's freeze touches: the config (to name a real environment), the store, the clock. */
export type FreezePorts = Pick<Ports, 'config' | 'releases' | 'now'>;

function environmentNamed(ports: FreezePorts, environment: string): void {
  const names = ports.config().environments.map((e) => e.name);
  if (!names.includes(environment))
    throw new ManualActionError(`no environment named ${environment} (${names.join(', ')})`);
}

/**
 * `sluice freeze start`: no pipeline enters the environment until the freeze ends (routes with
 * `passFreezes` excepted); a pipeline already waiting sees it at its next check. Recorded with
 * who and why; `until` (an ISO time) ends it by itself.
 */
export async function startFreeze(
  ports: FreezePorts,
  environment: string,
  actor: Actor,
  options: { until?: string } = {},
): Promise<AdHocFreeze> {
  environmentNamed(ports, environment);
  const now = ports.now();
  if (options.until !== undefined) {
    const until = new Date(options.until);
    if (Number.isNaN(until.getTime()) || until <= now)
      throw new ManualActionError(
        `--until must be a time after now (${now.toISOString()}), not ${options.until}`,
      );
  }
  const freeze: AdHocFreeze = {
    environment,
    reason: actor.reason,
    by: actor.by,
    startedAt: now.toISOString(),
    ...(options.until ? { until: new Date(options.until).toISOString() } : {}),
  };
  await ports.releases().startFreeze(freeze);
  return freeze;
}

/** `sluice freeze end`: ends the environment's freeze in force; a pipeline waiting for it goes on at its next check. */
export async function endFreeze(
  ports: FreezePorts,
  environment: string,
  actor: Actor,
): Promise<FreezeRecord> {
  environmentNamed(ports, environment);
  const ended = await ports.releases().endFreeze(environment, actor.by, ports.now().toISOString());
  if (!ended) throw new ManualActionError(`${environment} has no freeze in force`);
  return ended;
}
