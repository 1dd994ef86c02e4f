import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { AttributeValue, DynamoDBStreamEvent } from 'aws-lambda';
import { postApprovalRequest } from '../shared/control/approval-request.js';
import { assertNever } from '../shared/domain/assert-never.js';
import type { EnvironmentConfig } from '../shared/domain/config.js';
import { environmentNamed } from '../shared/domain/environments.js';
import { storedRecord } from '../shared/domain/records.js';
import {
  type HistoryEvent,
  isReleaseRecord,
  type ReleaseRecord,
  type StoredRecord,
} from '../shared/domain/release.js';
import { deploymentDescription } from '../shared/domain/release-words.js';
import { milestoneMessage, releaseCard, withoutArnsIn } from '../shared/domain/slack-messages.js';
import { lambdaHandler } from '../shared/lambda-handler.js';
import type {
  DeploymentLinks,
  DeploymentState,
  DeploymentTracker,
  Ports,
  ThreadState,
} from '../shared/ports/index.js';

/** The ports ReleaseNotifier uses: its wiring below, the embedded runtime and its IAM grants supply exactly these. */
export type ReleaseNotifierPorts = Pick<
  Ports,
  'config' | 'releases' | 'approvals' | 'threads' | 'notifier' | 'deployments'
>;

/** GitHub deployment state for a history event, if that event changes it. */
function deploymentState(event: HistoryEvent, record: ReleaseRecord): DeploymentState | undefined {
  switch (event) {
    case 'started':
    case 'approved':
      return 'in_progress';
    case 'promoted':
    case 'succeeded':
      return 'success';
    case 'rolled_back':
    case 'failed':
    case 'aborted':
    case 'superseded':
    case 'rejected':
    case 'not_started':
    case 'guard':
      return record.status === 'succeeded' ? undefined : 'failure';
    case 'verifying_build':
    case 'build_pending':
    case 'build_verified':
    case 'build_rejected':
    case 'build_timed_out':
    case 'began':
    case 'idle_attached':
    case 'artifact_verified':
    case 'deployed':
    case 'approval_requested':
    case 'shifted':
    case 'promote_now':
    case 'alarm':
    case 'analysis':
    case 'scaled_down':
    case 'scale_down_skipped':
    case 'scale_down_failed':
    case 'traffic_restored':
    case 'plan_posted':
    case 'stage_started':
    case 'stage_succeeded':
    case 'window_wait':
    case 'window_opened':
    case 'check_run_failed':
      return undefined;
    default:
      return assertNever(event, 'history event');
  }
}

/** The Slack channel of an environment's thread: its approval's channel, else the config's. */
export function threadChannel(
  ports: Pick<Ports, 'config'>,
  env: EnvironmentConfig | undefined,
): string | undefined {
  if (env?.approval.type === 'slack') return env.approval.channel;
  return ports.config().slack?.channel;
}

/** environment_url and log_url of a deployment status: the config's URL first, then the backend's. */
function deploymentLinks(
  tracker: DeploymentTracker,
  { environmentUrl, record }: { environmentUrl: string | undefined; record: ReleaseRecord },
): DeploymentLinks {
  const environment = environmentUrl ?? tracker.environmentUrl?.(record.environment);
  const log = tracker.logUrl?.(record);
  return { ...(environment ? { environmentUrl: environment } : {}), ...(log ? { logUrl: log } : {}) };
}

/** A short fingerprint of a card's content, to skip a chat.update that would change nothing. */
function fingerprint(content: unknown): string {
  const text = JSON.stringify(content);
  let hash = 5381;
  for (let i = 0; i < text.length; i++) hash = ((hash * 33) ^ text.charCodeAt(i)) >>> 0;
  return `${text.length}:${hash.toString(36)}`;
}

/**
 * Brings one release's Slack message and GitHub deployment up to date with its record. The
 * release has one message per environment (its card), posted once and then kept current with
 * chat.update (channel and ts of the original, kept in the thread state); its thread gets a reply
 * only for a milestone. Progress is saved after each step, so a retry after a failure (the
 * stream retries; nothing in the release waits on this) continues where it stopped.
 */
export async function notifyRelease(p: ReleaseNotifierPorts, record: ReleaseRecord): Promise<ThreadState> {
  const threads = p.threads();
  const state: ThreadState = (await threads.get(record.releaseId, record.environment)) ?? {
    releaseId: record.releaseId,
    environment: record.environment,
    notified: 0,
    deployed: 0,
  };
  const config = p.config();
  const env = environmentNamed(config, record.environment);
  const channel = threadChannel(p, env);
  if (channel && env) {
    const notifier = p.notifier();
    const card = withoutArnsIn(releaseCard(record, env), env);
    let threadTs = state.threadTs;
    if (!threadTs) {
      const root = await notifier.post(channel, card);
      threadTs = root.ts;
      Object.assign(state, { channel: root.channel, threadTs, card: fingerprint(card) });
      await threads.put(state);
    }
    const thread = { ts: threadTs };
    for (const [i, entry] of record.history.entries()) {
      if (i < state.notified) continue;
      if (entry.event === 'approval_requested' && record.approval) {
        const approval = await p.approvals().get(record.approval.id);
        // RequestApproval posts it itself; this only covers one posted by an older version.
        if (approval?.status === 'pending' && !approval.message) {
          await postApprovalRequest(p, approval, record, env, state.channel ?? channel);
        }
      } else {
        const reply = milestoneMessage(record, i, env);
        if (reply) await notifier.post(state.channel ?? channel, withoutArnsIn(reply, env), thread);
      }
      state.notified = i + 1;
      await threads.put(state);
    }
    if (state.card !== fingerprint(card)) {
      await notifier.update({ channel: state.channel ?? channel, ts: threadTs }, card);
      state.card = fingerprint(card);
      await threads.put(state);
    }
  }

  const deployments = p.deployments();
  const links = { environmentUrl: env?.url, record };
  for (const [i, entry] of record.history.entries()) {
    if (i < state.deployed) continue;
    const wanted = deploymentState(entry.event, record);
    if (entry.event === 'started' && state.deploymentId === undefined) {
      state.deploymentId = await deployments.create({
        repository: record.repository,
        sha: record.sha,
        environment: record.environment,
        description: `Sluice release of ${record.version.slice(0, 7)} to ${record.environment}`,
      });
      await threads.put(state);
    }
    if (wanted && state.deploymentId !== undefined) {
      await deployments.setStatus(
        record.repository,
        state.deploymentId,
        wanted,
        deploymentDescription(record, i, env?.targetGroups),
        deploymentLinks(deployments, links),
      );
    }
    state.deployed = i + 1;
    await threads.put(state);
  }
  return state;
}

/** The release records in a DynamoDB stream batch (inserts and updates of RELEASE# items). */
export function streamRecords(event: DynamoDBStreamEvent): StoredRecord[] {
  const records: StoredRecord[] = [];
  for (const change of event.Records ?? []) {
    const image = change.dynamodb?.NewImage;
    if (!image || change.eventName === 'REMOVE') continue;
    const item = unmarshall(image as Record<string, AttributeValue> as never) as {
      pk?: string;
      record?: StoredRecord;
    };
    if (item.pk?.startsWith('RELEASE#') && item.record) records.push(storedRecord(item.record));
  }
  return records;
}

/**
 * Release notifications: the release table's stream → one Slack thread per release and
 * environment, and GitHub deployment statuses. A failure throws, and the stream retries the batch.
 */
export const createReleaseNotifierHandler = (ports: ReleaseNotifierPorts) =>
  lambdaHandler<DynamoDBStreamEvent, { notified: number }, ReleaseNotifierPorts>(
    'ReleaseNotifier',
    ports,
    async (event, p) => {
      const latest = new Map<string, ReleaseRecord>();
      // Within a batch, only each record's newest image matters: the history is append-only.
      for (const record of streamRecords(event)) {
        // A pipeline's own record reports through its "Sluice plan" check run, not a thread.
        if (!isReleaseRecord(record)) continue;
        latest.set(`${record.releaseId}\n${record.environment}`, record);
      }
      for (const record of latest.values()) await notifyRelease(p, record);
      return { notified: latest.size };
    },
  );
