import { ACTIONS, type Approval } from './approval.js';
import { assertNever } from './assert-never.js';
import type { EnvironmentConfig } from './config.js';
import { formatDuration } from './duration.js';
import type { ReleaseRecord } from './release.js';

/**
 * Block Kit messages of a release's Slack thread (https://docs.slack.dev/reference/block-kit).
 * Pure: the notifier posts them, the local page renders the same JSON.
 */

type Block = Record<string, unknown>;
export interface SlackMessage {
  text: string;
  blocks?: Block[];
}

const short = (sha: string) => sha.slice(0, 7);
const mrkdwn = (text: string): Block => ({ type: 'section', text: { type: 'mrkdwn', text } });
const context = (text: string): Block => ({ type: 'context', elements: [{ type: 'mrkdwn', text }] });
const button = (text: string, actionId: string, value: string, style?: 'primary' | 'danger') => ({
  type: 'button',
  text: { type: 'plain_text', text },
  action_id: actionId,
  value,
  ...(style ? { style } : {}),
});
/** Slack escapes only &, < and > in mrkdwn text. */
const esc = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export const isProduction = (environment: string) => /^prod(uction)?$/.test(environment);

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
    return `*${r.environment}*: ${r.status.replace('_', ' ')} in ${took} · ${steps || 'no steps'} · ${alarms}`;
  });
}

/** The root message of a release's thread in one environment. */
export function threadRoot(record: ReleaseRecord): SlackMessage {
  const text = `${record.service} ${short(record.version)} → ${record.environment}: release started`;
  return {
    text,
    blocks: [mrkdwn(`:rocket: *${esc(record.service)}* → *${record.environment}*\n${commitLine(record)}`)],
  };
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
            title: { type: 'plain_text', text: `${verb} in ${env.name}?` },
            text: {
              type: 'mrkdwn',
              text: `${verb} ${record.service} ${short(record.version)} in *${env.name}*.`,
            },
            confirm: { type: 'plain_text', text: verb },
            deny: { type: 'plain_text', text: 'Cancel' },
          },
        }
      : {};
  const who = approvers.map((a) => (a.startsWith('S') ? `<!subteam^${a}>` : `<@${a}>`)).join(' ');
  const lines = evidenceLines(evidence);
  return {
    text: `Approval needed: ${record.service} ${short(record.version)} → ${env.name}`,
    blocks: [
      { type: 'header', text: { type: 'plain_text', text: `Approve ${record.service} → ${env.name}?` } },
      {
        type: 'section',
        fields: [
          { type: 'mrkdwn', text: `*Service*\n${esc(record.service)}` },
          { type: 'mrkdwn', text: `*Environment*\n${env.name}` },
          { type: 'mrkdwn', text: `*Version*\n\`${short(record.version)}\`` },
          {
            type: 'mrkdwn',
            text: `*Expires*\n<!date^${Math.floor(Date.parse(approval.expiresAt) / 1000)}^{time}|${approval.expiresAt}>`,
          },
        ],
      },
      mrkdwn(`*Commit* ${commitLine(record)}`),
      mrkdwn(`*Plan* ${planLine(env)}`),
      mrkdwn(
        `*Evidence* ${lines.length ? `\n${lines.join('\n')}` : 'this is the first environment of this commit'}`,
      ),
      context(
        `The new version is healthy on the idle target group and serves no traffic yet. Approvers: ${who}`,
      ),
      {
        type: 'actions',
        block_id: `approval:${approval.id}`,
        elements: [
          { ...button('Approve', ACTIONS.approve, approval.id, 'primary'), ...confirm('Approve') },
          { ...button('Reject', ACTIONS.reject, approval.id, 'danger'), ...confirm('Reject') },
        ],
      },
    ],
  };
}

/** The approval message once decided: the buttons give way to who decided and when. */
export function approvalDecided(
  approval: Approval,
  record: Pick<ReleaseRecord, 'service' | 'version'>,
): SlackMessage {
  const verb = approval.status === 'approved' ? ':white_check_mark: Approved' : ':no_entry: Rejected';
  const when = approval.decidedAt ? Math.floor(Date.parse(approval.decidedAt) / 1000) : 0;
  const text = `${verb} by <@${approval.decidedBy}> at <!date^${when}^{date_short_pretty} {time}|${approval.decidedAt}>`;
  return {
    text: `${record.service} ${short(record.version)} → ${approval.environment}: ${approval.status} by ${approval.decidedBy}`,
    blocks: [
      mrkdwn(`*${esc(record.service)}* \`${short(record.version)}\` → *${approval.environment}*\n${text}`),
    ],
  };
}

/** An answer only the clicking user sees. */
export const ephemeral = (text: string): SlackMessage => ({ text });

/** One history entry of the record as a thread message; undefined for entries the thread skips. */
export function historyMessage(
  record: ReleaseRecord,
  entry: ReleaseRecord['history'][number],
  index: number,
): SlackMessage | undefined {
  const detail = entry.detail ? esc(entry.detail) : '';
  const target = `${record.releaseId}|${record.environment}`;
  const baking = (weight: number | undefined) => ({
    type: 'actions',
    block_id: `release:${record.releaseId}:${index}`,
    elements: [
      ...(weight !== undefined && weight < 100
        ? [button('Promote now', ACTIONS.promoteNow, target, 'primary')]
        : []),
      button('Abort', ACTIONS.abort, target, 'danger'),
    ],
  });
  switch (entry.event) {
    case 'started':
    case 'approval_requested':
      return undefined; // the root and the approval request are their own messages
    case 'deployed':
      return { text: `deployed: ${entry.detail ?? ''}`, blocks: [context(`:package: deployed ${detail}`)] };
    case 'shifted': {
      const step = record.steps.at(-1);
      const idle = record.targets?.idle;
      const observed =
        step && idle ? ` (load balancer reads ${step.observed[idle]}% on the new version)` : '';
      const text = `:arrow_right: ${detail}${observed}; baking`;
      return {
        text: `${entry.detail ?? 'shifted'}${observed}`,
        blocks: [mrkdwn(text), baking(step?.weight)],
      };
    }
    case 'promote_now':
      return { text: `promote now: ${entry.detail ?? ''}`, blocks: [mrkdwn(`:fast_forward: ${detail}`)] };
    case 'approved':
    case 'rejected':
      return {
        text: `${entry.event}: ${entry.detail ?? ''}`,
        blocks: [mrkdwn(`${entry.event === 'approved' ? ':white_check_mark:' : ':no_entry:'} ${detail}`)],
      };
    case 'alarm':
      return { text: `alarm: ${entry.detail ?? ''}`, blocks: [mrkdwn(`:rotating_light: alarm — ${detail}`)] };
    case 'analysis':
      return {
        text: `canary analysis: ${entry.detail ?? ''}`,
        blocks: [context(`:bar_chart: canary analysis — ${detail}`)],
      };
    case 'promoted':
      return { text: 'promoted', blocks: [mrkdwn(`:white_check_mark: promoted — ${detail}; watching`)] };
    case 'succeeded':
      return { text: 'released', blocks: [mrkdwn(`:tada: released — ${detail}`)] };
    case 'rolled_back':
    case 'failed':
    case 'aborted':
    case 'superseded':
    case 'guard':
    case 'not_started':
      return {
        text: `${record.status}: ${record.cause?.message ?? entry.detail ?? ''}`,
        blocks: [mrkdwn(endLine(record, entry))],
      };
    case 'traffic_restored':
      return { text: 'traffic restored', blocks: [context(`:leftwards_arrow_with_hook: ${detail}`)] };
    case 'verifying_build':
    case 'build_pending':
    case 'build_verified':
    case 'build_rejected':
    case 'build_timed_out':
    case 'began':
    case 'idle_attached':
    case 'artifact_verified':
    case 'scaled_down':
    case 'scale_down_skipped':
    case 'scale_down_failed':
      return {
        text: `${entry.event}: ${entry.detail ?? ''}`,
        blocks: [context(`${esc(entry.event)} ${detail}`)],
      };
    case 'plan_posted':
    case 'stage_started':
    case 'stage_succeeded':
    case 'window_wait':
    case 'window_opened':
    case 'check_run_failed':
      return undefined; // a pipeline's own record reports through its check run, not a thread
    default:
      return assertNever(entry.event, 'history event');
  }
}

function endLine(record: ReleaseRecord, entry: ReleaseRecord['history'][number]): string {
  const cause = record.cause;
  const why = cause?.message ? esc(cause.message) : entry.detail ? esc(entry.detail) : 'no cause recorded';
  const restored =
    record.restoredAt && cause?.alarmChangedAt
      ? `; traffic restored ${Date.parse(record.restoredAt) - Date.parse(cause.alarmChangedAt)} ms after the alarm`
      : '';
  const untouched = record.steps.length === 0 ? '; no traffic had moved' : '';
  const icon = record.status === 'rolled_back' ? ':leftwards_arrow_with_hook:' : ':x:';
  return `${icon} *${record.status.replace('_', ' ')}* — ${why}${restored}${untouched}`;
}
