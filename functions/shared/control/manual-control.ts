import { accessScope } from '../domain/accounts.js';
import { messageOf } from '../domain/caught.js';
import type { EnvironmentConfig } from '../domain/config.js';
import { environmentNamed } from '../domain/environments.js';
import {
  isPipelineRecord,
  isReleaseRecord,
  isTerminal,
  type ReleaseCause,
  type ReleaseRecord,
  type StoredRecord,
  type Weights,
} from '../domain/release.js';
import { groupToRestore, listenerDrift, type Side } from '../domain/restore.js';
import { describeWeights, readListener, stepWeights } from '../domain/traffic.js';
import { log } from '../log.js';
import type { Ports, TrafficReader } from '../ports/index.js';
import {
  despiteContention,
  endRelease,
  manualLockOwner,
  type StopPorts,
  stopRelease,
  stopUnfinished,
} from './release-control.js';

/** Who asked for a manual action, and why: both go into the release record. */
export interface Actor {
  by: string;
  reason: string;
}

export class ManualActionError extends Error {
  override readonly name = 'ManualActionError';
}

/** What the manual controls touch: the local API and the CLI wire these. */
export type ManualControlPorts = StopPorts & Pick<Ports, 'config'>;

function configuredEnvironment(ports: Pick<Ports, 'config'>, name: string): EnvironmentConfig {
  const env = environmentNamed(ports.config(), name);
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
  const records = (await ports.releases().recordsOf(releaseId)).filter(isReleaseRecord);
  if (records.length === 0) throw new ManualActionError(`no release ${releaseId}`);
  const running: ReleaseRecord[] = [];
  for (const record of records) if (await stopUnfinished(ports, record)) running.push(record);
  if (running.length === 0) throw new ManualActionError(`release ${releaseId} has already ended`);
  const ended: ReleaseRecord[] = [];
  for (const record of running) {
    const { record: after } = await despiteContention(() =>
      stopRelease(
        ports,
        { releaseId, executionName: record.executionName, environment: record.environment },
        configuredEnvironment(ports, record.environment),
        'aborted',
        {
          trigger: 'manual',
          error: 'ReleaseAborted',
          by: actor.by,
          message: `aborted by ${actor.by}: ${actor.reason}`,
        },
        actor.by,
      ),
    );
    if (after) ended.push(after);
  }
  return ended;
}

/** What a rollback did: stopped the running release, flipped a settled listener, or restored a split one. */
export type RollbackResult =
  | { action: 'stopped' | 'flipped'; releaseId?: string; live: string }
  | { action: 'restored'; releaseId?: string; live: string; side: Side; weights: Weights; why: string };

/**
 * Rolls an environment back. A running release is stopped and its traffic restored. With none
 * running, a settled listener flips to the idle group, which still holds the previous version;
 * a split one (a release that crashed mid-shift) goes back to the group the last succeeded
 * release made live, or to `to` where the records cannot say. Either way the target group must
 * have healthy targets, and the listener is read back.
 */
export async function rollbackEnvironment(
  ports: ManualControlPorts,
  environment: string,
  actor: Actor,
  options: { to?: Side } = {},
): Promise<RollbackResult> {
  const env = configuredEnvironment(ports, environment);
  const store = ports.releases();
  const cause: ReleaseCause = {
    trigger: 'manual',
    error: 'ManualRollback',
    by: actor.by,
    message: `rolled back by ${actor.by}: ${actor.reason}`,
  };
  const holder = await store.lockHolder(env.name);
  if (holder) {
    const { record } = await despiteContention(() =>
      stopRelease(ports, { ...holder, environment: env.name }, env, 'rolled_back', cause, actor.by),
    );
    return { action: 'stopped', releaseId: holder.releaseId, live: record?.targets?.live ?? 'unknown' };
  }

  const owner = manualLockOwner(ports.now());
  const lock = await store.acquireLock(env.name, owner);
  if (!lock.acquired)
    throw new ManualActionError(`environment ${env.name} is busy with ${lock.holder.releaseId}`);
  try {
    const router = ports.trafficRouter(env, accessScope(env.name, undefined, actor.by));
    const weights = await router.readWeights();
    const reading = readListener(weights, env.targetGroups);
    if (reading.kind === 'foreign') {
      throw new ManualActionError(
        `listener of ${env.name} forwards to ${reading.groups.join(', ')}, outside the environment's groups; not touching it`,
      );
    }
    if (reading.kind === 'split') return await restoreSplit(ports, env, weights, cause, options.to);
    const { live, idle } = reading.targets;
    if (options.to && env.targetGroups[options.to] === live) {
      throw new ManualActionError(`${options.to} (${live}) already serves all of ${env.name}'s traffic`);
    }
    await requireHealthy(router, env, idle);
    await router.shift(stepWeights({ live, idle }, 100));
    const last = (await store.list())
      .filter(isReleaseRecord)
      .find((r) => r.environment === env.name && r.status === 'succeeded' && r.targets?.idle === live);
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

async function requireHealthy(router: TrafficReader, env: EnvironmentConfig, group: string): Promise<void> {
  const healthy = await router.healthyTargets(group);
  if (healthy < env.minHealthyTargets) {
    throw new ManualActionError(
      `${group} has ${healthy} healthy target(s), ${env.minHealthyTargets} required; nothing to roll back to`,
    );
  }
}

/** The release that left a split listener: the newest record with targets. */
const subjectOf = (records: ReleaseRecord[]) => records.find((r) => r.targets);

/**
 * Puts all traffic of a split listener on one group (the caller holds the environment's lock),
 * reads it back, and records who did it and why on the release that left it split: a record
 * still running is ended rolled_back (its execution stopped), an ended one gets the restore in
 * its history. With no such release, the last succeeded release carries it.
 */
async function restoreSplit(
  ports: ManualControlPorts,
  env: EnvironmentConfig,
  weights: Weights,
  cause: ReleaseCause,
  to: Side | undefined,
): Promise<RollbackResult> {
  const store = ports.releases();
  const records = (await store.list()).filter(isReleaseRecord).filter((r) => r.environment === env.name);
  const split = describeWeights(weights, env.targetGroups);
  const choice = groupToRestore(records, env.targetGroups, to);
  if (choice.kind === 'ask') {
    throw new ManualActionError(
      `listener of ${env.name} is split (${split}) and no release holds it; ${choice.why}: name the group to restore with --to blue|green`,
    );
  }
  const { side, group } = choice;
  const other = group === env.targetGroups.blue ? env.targetGroups.green : env.targetGroups.blue;
  const router = ports.trafficRouter(env, accessScope(env.name, subjectOf(records)?.releaseId, cause.by));
  await requireHealthy(router, env, group);

  const detail = `${cause.message}: the listener was split (${split}); all traffic on ${side} (${group}), as ${choice.why}`;
  const subject = subjectOf(records);
  if (subject && !isTerminal(subject)) {
    // The first half of stopRelease: the record is marked (and the execution stopped) before the
    // write, so a ShiftTraffic still in flight sees the end and undoes its own write instead of
    // splitting again. The restore is to the group chosen above, not the record's live group.
    const { releaseId, executionName } = subject;
    await endRelease(ports, { releaseId, executionName, environment: env.name }, 'rolled_back', cause);
  }
  const observed = await router.shift({ [group]: 100, [other]: 0 });
  const recorded = subject
    ? await store.update(
        subject.releaseId,
        env.name,
        { restoredAt: ports.now().toISOString(), restoredTo: group },
        { event: 'traffic_restored', detail },
      )
    : undefined;
  if (!recorded)
    log.warn('manual rollback with no release record to carry it', { environment: env.name, detail });
  return {
    action: 'restored',
    ...(recorded ? { releaseId: recorded.releaseId } : {}),
    live: group,
    side,
    weights: observed,
    why: choice.why,
  };
}

/** What `sluice status` reads: the config, the records and each listener. */
export type StatusPorts = Pick<Ports, 'config' | 'releases' | 'trafficReader'>;

export interface EnvironmentStatus {
  environment: string;
  /** What the listener serves now, read from the load balancer: "blue 100 / green 0". */
  traffic: string;
  /** The group at 100, or why there is none ("unreadable": see `error`). */
  live: 'blue' | 'green' | 'split' | 'foreign' | 'unreadable';
  /** Why the listener could not be read; the other environments are reported all the same. */
  error?: string;
  /** Set when no release holds the environment and the listener differs from what the last release recorded. */
  drift?: string;
  lock?: { releaseId: string; executionName: string };
  /** The newest releases of this environment, newest first. */
  releases: (Pick<ReleaseRecord, 'releaseId' | 'version' | 'status' | 'startedAt'> & {
    attempt: number;
    cause?: string;
  })[];
}

/** Each environment's live traffic (from the listener), lock and latest releases, each read on its own. */
export async function environmentStatus(
  ports: StatusPorts,
  latest = 3,
  /** Who asks (the CLI's caller), for the role session's SourceIdentity. */
  actor?: string,
): Promise<EnvironmentStatus[]> {
  const records = (await ports.releases().list()).filter(isReleaseRecord);
  return Promise.all(
    ports.config().environments.map(async (env): Promise<EnvironmentStatus> => {
      const own = records.filter((r) => r.environment === env.name);
      const lock = await ports.releases().lockHolder(env.name);
      const common = {
        environment: env.name,
        ...(lock ? { lock } : {}),
        releases: own.slice(0, latest).map((r) => ({
          releaseId: r.releaseId,
          attempt: r.attempt ?? 1,
          version: r.version,
          status: r.status,
          startedAt: r.startedAt,
          ...(r.cause ? { cause: r.cause.message } : {}),
        })),
      };
      let weights: Weights;
      try {
        weights = await ports.trafficReader(env, accessScope(env.name, undefined, actor)).readWeights();
      } catch (error) {
        return {
          ...common,
          traffic: 'unreadable',
          live: 'unreadable',
          error: messageOf(error),
        };
      }
      const reading = readListener(weights, env.targetGroups);
      const drift = lock ? undefined : listenerDrift(weights, own, env.targetGroups);
      return {
        ...common,
        traffic: describeWeights(weights, env.targetGroups),
        live:
          reading.kind === 'settled'
            ? reading.targets.live === env.targetGroups.blue
              ? 'blue'
              : 'green'
            : reading.kind,
        ...(drift ? { drift } : {}),
      };
    }),
  );
}

/**
 * Records grouped by release: one entry per release with its pipeline (route, attempt, where it
 * stopped and why) and its environments nested. Task tokens stay server-side.
 */
export function groupReleases(records: StoredRecord[]) {
  const byId = new Map<string, [StoredRecord, ...StoredRecord[]]>();
  for (const record of records) byId.set(record.releaseId, [...(byId.get(record.releaseId) ?? []), record]);
  return [...byId.entries()].map(([id, all]) => {
    const [first] = all;
    const pipeline = all.find(isPipelineRecord);
    const envs = all.filter(isReleaseRecord);
    const order = pipeline?.pipeline.environments ?? [];
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
              route: pipeline.pipeline.route,
              environments: order,
              status: pipeline.status,
              ...(pipeline.pipeline.current ? { current: pipeline.pipeline.current } : {}),
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
