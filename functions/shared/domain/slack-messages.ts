import { ACTIONS, type Approval } from './approval.js';
import {
  actions,
  type Block,
  button,
  context,
  esc,
  fields,
  header,
  message,
  type SlackMessage,
  section,
} from './block-kit.js';
import type { EnvironmentConfig } from './config.js';
import { formatDuration } from './duration.js';
import type { ReleaseRecord } from './release.js';
import {
  causeWords,
  clock,
  entryWords,
  type GroupNames,
  groupName,
  splitWords,
  statusWords,
  withoutArns,
} from './release-words.js';

/**
 * Block Kit messages of a release's Slack thread (https://docs.slack.dev/reference/block-kit).
 * One card per release and environment, kept up to date in place (chat.update), and a reply in
 * its thread only for what a person acts on or needs to know: approval asked or decided,
 * promoted, rolled back or failed, with the cause in words. Pure: the notifier posts them, the
 * local page renders the same JSON.
 */

export type { SlackMessage } from './block-kit.js';

const short = (sha: string) => sha.slice(0, 7);

export const isProduction = (environment: string) => /^prod(uction)?$/.test(environment);

const groupsOf = (env: Pick<EnvironmentConfig, 'targetGroups'> | undefined): GroupNames | undefined =>
  env?.targetGroups;

function commitLine(record: ReleaseRecord): string {
  const link = record.commit?.url
    ? `<${record.commit.url}|${short(record.sha)}>`
    : `\`${short(record.sha)}\``;
  return record.commit
    ? `${link} ${esc(record.commit.message)} — ${esc(record.commit.author)}`
    : `${link} on ${esc(record.branch)}`;
}

/** The plan for this environment: its steps, alarms and watch window. */
export function planLine(env: EnvironmentConfig): string {
  const steps = env.steps.map((s) => `${s.weight}% for ${formatDuration(s.bake)}`).join(' → ');
  const alarms = env.alarms.length ? env.alarms.join(', ') : 'no alarms';
  return `${steps}; watching ${alarms}; then ${formatDuration(env.watch)} with the previous version ready`;
}

/** What the environments before this one saw of this commit: observed shares, alarms, durations. */
export function evidenceLines(others: ReleaseRecord[]): string[] {
  return others.map((r) => {
    const steps = r.steps
      .map((s) => {
        const idle = r.targets?.idle;
        return idle ? `${s.weight}%→${s.observed[idle] ?? '?'}%` : `${s.weight}%`;
      })
      .join(', ');
    const took = r.endedAt
      ? formatDuration(Math.round((Date.parse(r.endedAt) - Date.parse(r.startedAt)) / 1000))
      : 'running';
    const alarms = r.firedAlarms?.length ? `alarms fired: ${r.firedAlarms.join(', ')}` : 'no alarm fired';
    return `*${r.environment}*: ${statusWords(r.status)} in ${took} · ${steps || 'no steps'} · ${alarms}`;
  });
}

/** What the card says the release is doing now. */
function currentStep(record: ReleaseRecord, groups?: GroupNames): string {
  const last = record.history.length - 1;
  return last >= 0 ? entryWords(record, last, groups) : statusWords(record.status);
}

/** The split as the listener served it at the last step, or who serves all of it. */
function trafficLine(record: ReleaseRecord, groups?: GroupNames): string {
  const step = record.steps.at(-1);
  if (record.status === 'rolled_back' || record.status === 'aborted')
    return `${groupName(record.restoredTo ?? record.targets?.live, groups)} 100% (restored)`;
  if (record.status === 'promoted' || record.status === 'succeeded')
    return `${groupName(record.targets?.idle, groups)} 100% (the new version)`;
  if (step)
    return `${splitWords(step.observed, groups)} (new version on ${groupName(record.targets?.idle, groups)})`;
  if (record.targets) return `${groupName(record.targets.live, groups)} 100%; nothing shifted yet`;
  return 'not touched yet';
}

function alarmLine(record: ReleaseRecord, env: EnvironmentConfig | undefined): string {
  const fired = record.firedAlarms?.length ? `fired: ${record.firedAlarms.join(', ')}` : undefined;
  const alarm =
    record.cause?.trigger === 'alarm' && record.cause.alarm ? `fired: ${record.cause.alarm}` : undefined;
  const watching = env?.alarms.length ? `watching ${env.alarms.join(', ')}` : 'no alarms configured';
  return [watching, fired ?? alarm].filter(Boolean).join('; ');
}

function approvalLine(record: ReleaseRecord, env: EnvironmentConfig | undefined): string {
  const a = record.approval;
  if (a?.status === 'approved' || a?.status === 'rejected')
    return `${a.status === 'approved' ? 'approved' : 'rejected'} by ${a.decidedBy ? `<@${a.decidedBy}>` : 'an approver'}${a.decidedAt ? ` at ${clock(a.decidedAt)}` : ''}`;
  if (a?.status === 'pending') return `waiting, until ${clock(a.expiresAt)}`;
  if (env?.approval.type !== 'slack') return 'not needed here';
  return record.status === 'in_progress' ? 'asked once the new version is healthy' : 'none was asked';
}

const ENDED_ICONS: Partial<Record<ReleaseRecord['status'], string>> = {
  succeeded: ':white_check_mark:',
  promoted: ':white_check_mark:',
  rolled_back: ':leftwards_arrow_with_hook:',
  failed: ':x:',
  aborted: ':x:',
  rejected: ':no_entry:',
  superseded: ':fast_forward:',
};

/** Approve/Reject while an approval waits; Promote now/Abort while traffic is split; nothing once it ended. */
function cardButtons(record: ReleaseRecord, env: EnvironmentConfig | undefined): Block[] {
  const target = `${record.releaseId}|${record.environment}`;
  const revision = `${record.history.length}`;
  if (record.approval?.status === 'pending') {
    const confirm = (verb: string) =>
      isProduction(record.environment)
        ? {
            confirm: {
              title: `${verb} in ${record.environment}?`,
              text: `${verb} ${record.service} ${short(record.version)} in *${record.environment}*.`,
              verb,
            },
          }
        : {};
    return [
      actions(`approval:${record.approval.id}:${revision}`, [
        button('Approve', ACTIONS.approve, record.approval.id, { style: 'primary', ...confirm('Approve') }),
        button('Reject', ACTIONS.reject, record.approval.id, { style: 'danger', ...confirm('Reject') }),
      ]),
    ];
  }
  const step = record.steps.at(-1);
  if (record.status !== 'in_progress' || !step) return [];
  const weight = step.weight;
  const last = env?.steps.at(-1)?.weight ?? 100;
  return [
    actions(`release:${record.releaseId}:${revision}`, [
      ...(weight < last ? [button('Promote now', ACTIONS.promoteNow, target, { style: 'primary' })] : []),
      button('Abort', ACTIONS.abort, target, { style: 'danger' }),
    ]),
  ];
}

/**
 * The one message of a release in one environment, updated in place as the release moves:
 * service, version, environment, the current step, the split as the listener served it, alarms,
 * who approved, and the buttons that fit now. Slack asks for a new block_id on each iteration
 * of an updated message (section-block docs), so the actions' block_id carries the revision.
 */
export function releaseCard(record: ReleaseRecord, env: EnvironmentConfig | undefined): SlackMessage {
  const groups = groupsOf(env);
  const status = statusWords(record.status);
  const icon = ENDED_ICONS[record.status] ?? ':rocket:';
  const blocks: Block[] = [
    header(`${record.service} ${short(record.version)} → ${record.environment}`),
    section(`${icon} *${esc(record.service)}* → *${record.environment}*: ${status}\n${commitLine(record)}`),
    fields([
      ['Now', esc(currentStep(record, groups))],
      ['Traffic', trafficLine(record, groups)],
      ['Alarms', esc(alarmLine(record, env))],
      ['Approval', approvalLine(record, env)],
    ]),
  ];
  if (record.cause && record.status !== 'in_progress') blocks.push(section(esc(causeWords(record, groups))));
  blocks.push(...cardButtons(record, env));
  blocks.push(
    context(
      `Started ${clock(record.startedAt)} · attempt ${record.attempt ?? 1} · updated ${clock(record.updatedAt)}`,
    ),
  );
  return message(`${record.service} ${short(record.version)} → ${record.environment}: ${status}`, blocks);
}

/** The approval request, with Approve / Reject (and a confirm dialog in production). */
export function approvalRequest(
  approval: Approval,
  record: ReleaseRecord,
  env: EnvironmentConfig,
  approvers: readonly string[],
  evidence: ReleaseRecord[],
): SlackMessage {
  const production = isProduction(env.name);
  const confirm = (verb: string) =>
    production
      ? {
          confirm: {
            title: `${verb} in ${env.name}?`,
            text: `${verb} ${record.service} ${short(record.version)} in *${env.name}*.`,
            verb,
          },
        }
      : {};
  const who = approvers.map((a) => (a.startsWith('S') ? `<!subteam^${a}>` : `<@${a}>`)).join(' ');
  const lines = evidenceLines(evidence);
  const idle = groupName(record.targets?.idle, groupsOf(env));
  return message(`Approval needed: ${record.service} ${short(record.version)} → ${env.name}`, [
    header(`Approve ${record.service} → ${env.name}?`),
    fields([
      ['Service', esc(record.service)],
      ['Environment', env.name],
      ['Version', `\`${short(record.version)}\``],
      [
        'Expires',
        `<!date^${Math.floor(Date.parse(approval.expiresAt) / 1000)}^{time}|${approval.expiresAt}>`,
      ],
    ]),
    section(`*Commit* ${commitLine(record)}`),
    section(`*Plan* ${esc(planLine(env))}`),
    section(
      `*Evidence* ${lines.length ? `\n${lines.join('\n')}` : 'this is the first environment of this commit'}`,
    ),
    context(
      `The new version is healthy on ${idle} and serves no traffic yet. Approvers: ${who || 'anyone in the channel'}`,
    ),
    actions(`approval:${approval.id}`, [
      button('Approve', ACTIONS.approve, approval.id, { style: 'primary', ...confirm('Approve') }),
      button('Reject', ACTIONS.reject, approval.id, { style: 'danger', ...confirm('Reject') }),
    ]),
  ]);
}

/** The approval message once decided: the buttons give way to who decided and when. */
export function approvalDecided(
  approval: Approval,
  record: Pick<ReleaseRecord, 'service' | 'version'>,
): SlackMessage {
  const verb = approval.status === 'approved' ? ':white_check_mark: Approved' : ':no_entry: Rejected';
  const when = approval.decidedAt ? Math.floor(Date.parse(approval.decidedAt) / 1000) : 0;
  const text = `${verb} by <@${approval.decidedBy}> at <!date^${when}^{date_short_pretty} {time}|${approval.decidedAt}>`;
  return message(
    `${record.service} ${short(record.version)} → ${approval.environment}: ${approval.status} by ${approval.decidedBy}`,
    [section(`*${esc(record.service)}* \`${short(record.version)}\` → *${approval.environment}*\n${text}`)],
  );
}

/** An answer only the clicking user sees. */
export const ephemeral = (text: string): SlackMessage => ({ text });

/**
 * A thread reply for a milestone a person cares about; undefined for every other entry (the card
 * shows those). The approval request is its own message, posted by RequestApproval.
 */
export function milestoneMessage(
  record: ReleaseRecord,
  index: number,
  env: EnvironmentConfig | undefined,
): SlackMessage | undefined {
  const entry = record.history[index];
  if (!entry) return undefined;
  const groups = groupsOf(env);
  const reply = (icon: string, extra: string[] = []): SlackMessage | undefined => {
    const words = entryWords(record, index, groups);
    // A rejection is both the decision and the end: say it once.
    if (record.history.slice(0, index).some((_, j) => entryWords(record, j, groups) === words))
      return undefined;
    const title = `${record.service} ${short(record.version)} → ${record.environment}`;
    return message(`${title}: ${words}`, [section(`${icon} ${esc(words)}`), ...extra.map((e) => context(e))]);
  };
  switch (entry.event) {
    case 'approved':
      return reply(':white_check_mark:');
    case 'rejected':
      return reply(':no_entry:');
    case 'promoted':
      return reply(
        ':white_check_mark:',
        env ? [`Watching ${formatDuration(env.watch)} before the release counts as done`] : [],
      );
    case 'rolled_back': {
      const restored =
        record.restoredAt && record.cause?.alarmChangedAt
          ? [
              `Traffic restored ${Date.parse(record.restoredAt) - Date.parse(record.cause.alarmChangedAt)} ms after the alarm changed state`,
            ]
          : [];
      return reply(':leftwards_arrow_with_hook:', restored);
    }
    case 'failed':
    case 'aborted':
    case 'superseded':
    case 'not_started':
    case 'guard': {
      const untouched = record.steps.length === 0 ? ['No traffic had moved'] : [];
      return reply(entry.event === 'superseded' ? ':fast_forward:' : ':x:', untouched);
    }
    // What the card shows, and the pipeline's own events (its check run reports those).
    case 'started':
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
    case 'succeeded':
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
    default: {
      // Exhaustive at compile time; an entry of a newer version gets no reply rather than a throw.
      const unknown: never = entry.event;
      void unknown;
      return undefined;
    }
  }
}

/** Any ARN left in a message's text, named as people know it: a last guard for what others wrote. */
export function withoutArnsIn(msg: SlackMessage, env: EnvironmentConfig | undefined): SlackMessage {
  const groups = groupsOf(env);
  return JSON.parse(JSON.stringify(msg), (key, value) =>
    key === 'text' && typeof value === 'string' ? withoutArns(value, groups) : value,
  ) as SlackMessage;
}
