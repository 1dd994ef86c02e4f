import type { ReleaseRecord } from './release.js';

/**
 * A release told in words, for the people who read Slack, GitHub and the local page: target
 * groups named blue or green (never an ARN), every event a sentence (never its snake_case name),
 * never an empty detail. Pure; Slack, the check run, the page and the CLI all read it.
 */

/** An environment's two target groups, as its config names them. */
export interface GroupNames {
  blue: string;
  green: string;
}

type Entry = ReleaseRecord['history'][number];

const ARN = /arn:aws[a-z-]*:[a-z0-9-]+:[a-z0-9-]*:\d*:[^\s,;()"'|]+/g;

/** The name a person knows a target group by: blue or green, else its own name out of the ARN. */
export function groupName(arn: string | undefined, groups?: GroupNames): string {
  if (!arn) return 'the idle group';
  if (groups?.blue === arn || arn === 'blue') return 'blue';
  if (groups?.green === arn || arn === 'green') return 'green';
  const tg = /:targetgroup\/([^/]+)\//.exec(arn);
  if (tg?.[1]) return tg[1];
  return arn.startsWith('arn:') ? (arn.split(/[:/]/).filter(Boolean).at(-1) ?? 'a resource') : arn;
}

/** Text with every ARN replaced by the name a person knows it by (blue, green, or the resource's name). */
export function withoutArns(text: string, groups?: GroupNames): string {
  return text.replace(ARN, (arn) => groupName(arn, groups));
}

const short = (sha: string) => (/^[0-9a-f]{40}$/.test(sha) ? sha.slice(0, 7) : sha);
/** Full commit SHAs and image digests in a text, shortened as people quote them. */
const shortened = (text: string) =>
  text
    .replace(/\b([0-9a-f]{7})[0-9a-f]{33}\b/g, '$1')
    .replace(/sha256:([0-9a-f]{12})[0-9a-f]{52}/g, 'sha256:$1');
/** A Slack mention `<@U123>` read as its user id, for places that do not render mentions. */
const unmention = (text: string) => text.replace(/<@([A-Z0-9]+)>/g, '$1');

/** `12:03:04 UTC` of an ISO timestamp. */
export const clock = (iso: string | undefined) => (iso ? `${iso.slice(11, 19)} UTC` : 'an unknown time');

/** A detail made fit to show: no ARN, short SHAs; undefined when there is nothing to say. */
function clean(detail: string | undefined, groups?: GroupNames): string | undefined {
  const text = detail ? shortened(withoutArns(detail, groups)).trim() : '';
  return text ? text : undefined;
}

const withDetail = (words: string, detail: string | undefined) => (detail ? `${words}: ${detail}` : words);

/** The weights a step recorded, as the listener served them: "green 10% / blue 90%". */
export function splitWords(observed: Record<string, number>, groups?: GroupNames): string {
  return Object.entries(observed)
    .sort(([, a], [, b]) => a - b)
    .map(([arn, weight]) => `${groupName(arn, groups)} ${weight}%`)
    .join(' / ');
}

const ENDED: Record<string, string> = {
  rolled_back: 'Rolled back',
  failed: 'Failed',
  aborted: 'Aborted',
  superseded: 'Superseded',
  rejected: 'Rejected',
  succeeded: 'Succeeded',
  promoted: 'Promoted',
  in_progress: 'In progress',
  pending: 'Pending',
};

/** A record's status in words ("rolled back", not `rolled_back`). */
export const statusWords = (status: ReleaseRecord['status']) => (ENDED[status] ?? status).toLowerCase();

/** Why a release ended, in words: "Rolled back: alarm checkout-prod-5xx went to ALARM at 12:03:04 UTC". */
export function causeWords(record: ReleaseRecord, groups?: GroupNames): string {
  const verb = ENDED[record.status] ?? 'Ended';
  const cause = record.cause;
  if (!cause) return `${verb}: no cause was recorded`;
  if (cause.trigger === 'alarm' && cause.alarm) {
    const reason = /in ALARM: (.*)$/.exec(cause.message)?.[1];
    return `${verb}: alarm ${cause.alarm} went to ALARM at ${clock(cause.alarmChangedAt ?? record.endedAt)}${reason ? ` (${clean(reason, groups)})` : ''}`;
  }
  const said = clean(unmention(cause.message), groups) ?? 'no reason given';
  switch (cause.trigger) {
    case 'timeout':
      return `${verb}: it timed out — ${said}`;
    case 'check_failed':
      return `${verb}: the build's checks did not pass — ${said}`;
    case 'superseded':
      return `${verb}: a newer push took over — ${said}`;
    default:
      return `${verb}: ${said}`;
  }
}

/** The step a `shifted` entry recorded: the record's steps line up with its shifted entries. */
function stepOf(record: ReleaseRecord, index: number) {
  let n = -1;
  for (let i = 0; i <= index && i < record.history.length; i++)
    if (record.history[i]?.event === 'shifted') n++;
  return n >= 0 ? record.steps[n] : undefined;
}

/** One history entry as a sentence: never the event's own name, never an empty detail. */
export function entryWords(record: ReleaseRecord, index: number, groups?: GroupNames): string {
  const entry: Entry | undefined = record.history[index];
  if (!entry) return 'Nothing recorded';
  const detail = clean(entry.detail, groups);
  const live = groupName(record.targets?.live, groups);
  const idle = groupName(record.targets?.idle, groups);
  switch (entry.event) {
    case 'started':
      return withDetail(`Release of ${short(record.version)} started in ${record.environment}`, detail);
    case 'verifying_build':
      return "Waiting for the build's required checks";
    case 'build_pending':
      return withDetail('Checks still running', detail);
    case 'build_verified':
      return withDetail('Build verified', detail);
    case 'build_rejected':
      return 'Build rejected: a required check did not pass';
    case 'build_timed_out':
      return "Gave up waiting for the build's checks";
    case 'began':
      return `Took ${record.environment}; ${live} serves all traffic`;
    case 'idle_attached':
      return `Added ${idle} to the listener at 0%`;
    case 'artifact_verified':
      return withDetail('Image found and its scan passed', detail);
    case 'deployed':
      return `Deployed ${short(record.version)} on ${idle}`;
    case 'approval_requested':
      return record.approval
        ? `Asked for approval, until ${clock(record.approval.expiresAt)}`
        : 'Asked for approval';
    case 'approved':
    case 'rejected': {
      const by = record.approval?.decidedBy ?? /by <@([A-Z0-9]+)>/.exec(entry.detail ?? '')?.[1];
      return `${entry.event === 'approved' ? 'Approved' : 'Rejected'}${by ? ` by ${by}` : ''}`;
    }
    case 'shifted': {
      const step = stepOf(record, index);
      return step
        ? `Shifted ${step.weight}% to the new version; the listener serves ${splitWords(step.observed, groups)}`
        : withDetail('Shifted traffic', detail);
    }
    case 'promote_now':
      return withDetail('Promote now was asked', detail && unmention(detail));
    case 'alarm':
      return withDetail('Alarm', detail);
    case 'analysis':
      return withDetail('Canary analysis', detail);
    case 'promoted':
      return `Promoted: ${idle} serves all traffic; the previous version stays ready on ${live}`;
    case 'succeeded':
      return withDetail('Succeeded', detail);
    case 'scaled_down':
      return withDetail('Scaled the previous version down', detail);
    case 'scale_down_skipped':
      return withDetail('Left the previous version running', detail);
    case 'scale_down_failed':
      return withDetail('Could not scale the previous version down', detail);
    case 'rolled_back':
    case 'failed':
    case 'aborted':
    case 'superseded':
    case 'not_started':
    case 'guard':
      if (entry.event === 'not_started') return withDetail('Not started', detail);
      if (entry.event === 'guard') return withDetail('The release guard stepped in', detail);
      // The cause is this attempt's; an earlier attempt's ending keeps its own detail.
      return record.status === entry.event
        ? causeWords(record, groups)
        : withDetail(ENDED[entry.event] ?? 'Ended', detail && unmention(detail));
    case 'traffic_restored':
      return record.restoredTo || record.targets
        ? `Traffic restored: ${groupName(record.restoredTo ?? record.targets?.live, groups)} serves all traffic`
        : withDetail('Traffic restored', detail);
    case 'plan_posted':
      return 'Posted the plan as a check run';
    case 'stage_started':
      return `${detail ?? 'The next environment'} started`;
    case 'stage_succeeded':
      return `${detail ?? 'An environment'} succeeded`;
    case 'check_run_failed':
      return withDetail('Could not write the check run', detail);
    case 'window_wait':
      return detail ? sentenceOf(detail) : 'Waiting for the deploy window';
    case 'window_opened':
      return detail ? sentenceOf(detail) : 'The deploy window opened';
    default: {
      // Exhaustive at compile time; at run time an entry of a newer version is still told in words.
      const unknown: never = entry.event;
      return withDetail(sentenceOf(String(unknown)), detail);
    }
  }
}

/** An event name no case knows yet, as words rather than snake_case. */
function sentenceOf(event: string): string {
  const words = event.replace(/_/g, ' ');
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** The record's history as timestamped sentences, oldest first. */
export function timeline(record: ReleaseRecord, groups?: GroupNames): { at: string; text: string }[] {
  return record.history.map((entry, i) => ({ at: entry.at, text: entryWords(record, i, groups) }));
}

/** The timeline as plain lines ("12:03:04 UTC  Shifted 10% …"), for the check run and the CLI. */
export function timelineText(record: ReleaseRecord, groups?: GroupNames): string[] {
  return timeline(record, groups).map((t) => `${clock(t.at)}  ${t.text}`);
}

/** A deployment status's description: the entry in words, within GitHub's 140 characters. */
export function deploymentDescription(record: ReleaseRecord, index: number, groups?: GroupNames): string {
  const words = entryWords(record, index, groups);
  return words.length <= 140 ? words : `${words.slice(0, 139)}…`;
}
