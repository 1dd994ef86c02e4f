import { assertNever } from './assert-never.js';
import { formatDuration } from './duration.js';
import type { ReleaseRecord, StageInput, TerminalStatus } from './release.js';
import { causeWords, statusWords, timelineText } from './release-words.js';

/** GitHub's limit on a check run's output.summary (https://docs.github.com/en/rest/checks/runs). */
export const CHECK_SUMMARY_LIMIT = 65_535;

/** The check run Sluice posts on the commit: the plan, and each environment's outcome as it happens. */
export const PLAN_CHECK_NAME = 'Sluice plan';

/**
 * The "Sluice plan" check run's conclusion for how the pipeline ended. A newer push that took
 * over did not make this commit fail: `cancelled` is a conclusion of a completed run (GitHub REST
 * API, "Update a check run").
 */
export function planConclusion(status: TerminalStatus): 'success' | 'failure' | 'cancelled' {
  switch (status) {
    case 'succeeded':
      return 'success';
    case 'superseded':
      return 'cancelled';
    case 'failed':
    case 'rolled_back':
    case 'aborted':
    case 'rejected':
      return 'failure';
    default:
      return assertNever(status, 'pipeline status');
  }
}

/** One row per environment: steps, soak, and the outcome so far (from its record, if it has one). */
export function planSummary(
  route: string,
  stages: StageInput[],
  records: Record<string, ReleaseRecord | undefined>,
): string {
  const rows = stages.map((stage) => {
    const steps = stage.input.steps.map((s) => `${s.weight}%×${formatDuration(s.bakeSeconds)}`).join(' → ');
    const record = records[stage.name];
    const groups = stage.input.environment.targetGroups;
    const outcome = record
      ? record.cause && record.status !== 'in_progress'
        ? causeWords(record, groups)
        : statusWords(record.status)
      : 'not started';
    const soak = stage.soakSeconds > 0 ? `, then soak ${formatDuration(stage.soakSeconds)}` : '';
    return `| ${stage.name} | ${steps}, watch ${formatDuration(stage.input.environment.watchSeconds)}${soak} | ${outcome.replace(/\|/g, '\\|')} |`;
  });
  // The same timeline as Slack and the page, as text: each environment's events in words.
  const timeline = stages.flatMap((stage) => {
    const record = records[stage.name];
    if (!record) return [];
    return [
      '',
      `**${stage.name}**`,
      '',
      ...timelineText(record, stage.input.environment.targetGroups).map(
        (l) => `- ${l.replace(/\|/g, '\\|')}`,
      ),
    ];
  });
  const summary = [
    `Route \`${route}\`: ${stages.map((s) => s.name).join(' → ')}`,
    '',
    '| environment | plan | outcome |',
    '| --- | --- | --- |',
    ...rows,
    ...(timeline.length ? ['', '### Timeline', ...timeline] : []),
  ].join('\n');
  return summary.length <= CHECK_SUMMARY_LIMIT ? summary : `${summary.slice(0, CHECK_SUMMARY_LIMIT - 2)}\n…`;
}
