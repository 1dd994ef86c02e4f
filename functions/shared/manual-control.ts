import type { EnvironmentConfig } from './domain/config.js';
import { PIPELINE_RECORD, type ReleaseRecord } from './domain/release.js';
import { describeWeights, readListener, stepWeights } from './domain/traffic.js';
import type { Ports } from './ports/index.js';
import { despiteContention, isTerminal, type StopPorts, stopRelease } from './release-control.js';

/** Who asked for a manual action, and why: both go into the release record. */
export interface Actor {
  by: string;
  reason: string;
}

export class ManualActionError extends Error {
  override name = 'ManualActionError';
}

/** What the manual controls touch: the local API and the CLI wire these. */
export type ManualControlPorts = StopPorts & Pick<Ports, 'config'>;

function environmentNamed(ports: Pick<Ports, 'config'>, name: string): EnvironmentConfig {
  const env = ports.config().environments.find((e) => e.name === name);
  if (!env) throw new ManualActionError(`no environment named ${name}`);
  return env;
}

/** Stops every running environment of a release and restores their traffic. */
export async function abortRelease(
  ports: ManualControlPorts,
  releaseId: string,
  actor: Actor,
): Promise<ReleaseRecord[]> {
  // The pipeline's own record ends by itself: its running environment's failure stops it.
  const records = (await ports.releases().list()).filter(
    (r) => r.releaseId === releaseId && r.environment !== PIPELINE_RECORD,
  );
  if (records.length === 0) throw new ManualActionError(`no release ${releaseId}`);
  const running = records.filter((r) => !isTerminal(r));
  if (running.length === 0) throw new ManualActionError(`release ${releaseId} has already ended`);
  const ended: ReleaseRecord[] = [];
  for (const record of running) {
    const { record: after } = await despiteContention(() =>
      stopRelease(
        ports,
        { releaseId, executionName: record.executionName, environment: record.environment },
        environmentNamed(ports, record.environment),
        'aborted',
        {
          trigger: 'manual',
          error: 'ReleaseAborted',
          by: actor.by,
          message: `aborted by ${actor.by}: ${actor.reason}`,
        },
      ),
    );
    if (after) ended.push(after);
  }
  return ended;
}

/**
 * Rolls an environment back. A running release is stopped and its traffic restored; with none
 * running, traffic flips to the idle group, which still holds the previous version, after
 * checking it has healthy targets. The listener, not a record, says which group is live.
 */
export async function rollbackEnvironment(
  ports: ManualControlPorts,
  environment: string,
  actor: Actor,
): Promise<{ action: 'stopped' | 'flipped'; releaseId?: string; live: string }> {
  const env = environmentNamed(ports, environment);
  const store = ports.releases();
  const cause = {
    trigger: 'manual' as const,
    error: 'ManualRollback',
    by: actor.by,
    message: `rolled back by ${actor.by}: ${actor.reason}`,
  };
  const holder = await store.lockHolder(env.name);
  if (holder) {
    const { record } = await despiteContention(() =>
      stopRelease(ports, { ...holder, environment: env.name }, env, 'rolled_back', cause),
    );
    return { action: 'stopped', releaseId: holder.releaseId, live: record?.targets?.live ?? 'unknown' };
  }

  const owner = { releaseId: 'manual-rollback', executionName: `manual-${ports.now().getTime()}` };
  const lock = await store.acquireLock(env.name, owner);
  if (!lock.acquired)
    throw new ManualActionError(`environment ${env.name} is busy with ${lock.holder.releaseId}`);
  try {
    const router = ports.trafficRouter(env);
    const reading = readListener(await router.readWeights(), env.targetGroups);
    if (reading.kind !== 'settled') {
      throw new ManualActionError(`listener of ${env.name} is not settled on one group; no release holds it`);
    }
    const { live, idle } = reading.targets;
    const healthy = await router.healthyTargets(idle);
    if (healthy < env.minHealthyTargets) {
      throw new ManualActionError(
        `idle group ${idle} has ${healthy} healthy target(s); nothing to roll back to`,
      );
    }
    await router.shift(stepWeights({ live, idle }, 100));
    const last = (await store.list()).find(
      (r) => r.environment === env.name && r.status === 'succeeded' && r.targets?.idle === live,
    );
    if (last) {
      await store.update(
        last.releaseId,
        env.name,
        { status: 'rolled_back', cause, restoredAt: ports.now().toISOString() },
        { event: 'rolled_back', detail: cause.message },
      );
    }
    return { action: 'flipped', ...(last ? { releaseId: last.releaseId } : {}), live: idle };
  } finally {
    await store.releaseLock(env.name, owner);
  }
}

/** What `sluice status` reads: the config, the records and each listener. */
export type StatusPorts = Pick<Ports, 'config' | 'releases' | 'trafficReader'>;

export interface EnvironmentStatus {
  environment: string;
  /** What the listener serves now, read from the load balancer: "blue 100 / green 0". */
  traffic: string;
  /** The group at 100, or why there is none. */
  live: 'blue' | 'green' | 'split' | 'foreign';
  lock?: { releaseId: string; executionName: string };
  /** The newest releases of this environment, newest first. */
  releases: (Pick<ReleaseRecord, 'releaseId' | 'version' | 'status' | 'startedAt'> & {
    attempt: number;
    cause?: string;
  })[];
}

/** Each environment's live traffic (from the listener), lock and latest releases. */
export async function environmentStatus(ports: StatusPorts, latest = 3): Promise<EnvironmentStatus[]> {
  const records = await ports.releases().list();
  return Promise.all(
    ports.config().environments.map(async (env): Promise<EnvironmentStatus> => {
      const weights = await ports.trafficReader(env).readWeights();
      const reading = readListener(weights, env.targetGroups);
      const lock = await ports.releases().lockHolder(env.name);
      return {
        environment: env.name,
        traffic: describeWeights(weights, env.targetGroups),
        live:
          reading.kind === 'settled'
            ? reading.targets.live === env.targetGroups.blue
              ? 'blue'
              : 'green'
            : reading.kind,
        ...(lock ? { lock } : {}),
        releases: records
          .filter((r) => r.environment === env.name)
          .slice(0, latest)
          .map((r) => ({
            releaseId: r.releaseId,
            attempt: r.attempt ?? 1,
            version: r.version,
            status: r.status,
            startedAt: r.startedAt,
            ...(r.cause ? { cause: r.cause.message } : {}),
          })),
      };
    }),
  );
}

/**
 * Records grouped by release: one entry per release with its pipeline (route, attempt, where it
 * stopped and why) and its environments nested. Task tokens stay server-side.
 */
export function groupReleases(records: ReleaseRecord[]) {
  const byId = new Map<string, ReleaseRecord[]>();
  for (const record of records) byId.set(record.releaseId, [...(byId.get(record.releaseId) ?? []), record]);
  return [...byId.entries()].map(([id, all]) => {
    const first = all[0]!;
    const pipeline = all.find((r) => r.environment === PIPELINE_RECORD);
    const envs = all.filter((r) => r.environment !== PIPELINE_RECORD);
    const order = pipeline?.pipeline?.environments ?? [];
    envs.sort((a, b) => order.indexOf(a.environment) - order.indexOf(b.environment));
    return {
      id,
      repository: first.repository,
      service: first.service,
      branch: first.branch,
      sha: first.sha,
      version: first.version,
      attempt: pipeline?.attempt ?? envs[0]?.attempt ?? 1,
      startedAt: all.map((e) => e.startedAt).sort()[0],
      ...(pipeline
        ? {
            pipeline: {
              executionName: pipeline.executionName,
              route: pipeline.pipeline?.route,
              environments: order,
              status: pipeline.status,
              ...(pipeline.pipeline?.current ? { current: pipeline.pipeline.current } : {}),
              ...(pipeline.cause ? { cause: pipeline.cause } : {}),
              history: pipeline.history,
            },
          }
        : {}),
      environments: envs.map(
        ({ releaseId: _id, repository: _r, service: _s, branch: _b, sha: _sha, buildWait, ...env }) => ({
          ...env,
          ...(buildWait ? { waitingForChecks: buildWait.pending, waitingSince: buildWait.since } : {}),
        }),
      ),
    };
  });
}
