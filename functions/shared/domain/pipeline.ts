import { formatDuration } from './duration.js';
import type { ReleaseRecord, StageInput } from './release.js';

/** The check run Sluice posts on the commit: the plan, and each environment's outcome as it happens. */
export const PLAN_CHECK_NAME = 'Sluice plan';

/** One row per environment: steps, soak, and the outcome so far (from its record, if it has one). */
export function planSummary(
  route: string,
  stages: StageInput[],
  records: Record<string, ReleaseRecord | undefined>,
): string {
  const rows = stages.map((stage) => {
    const steps = stage.input.steps.map((s) => `${s.weight}%×${formatDuration(s.bakeSeconds)}`).join(' → ');
    const record = records[stage.name];
    const outcome = record
      ? `${record.status}${record.cause ? ` — ${record.cause.message}` : ''}`
      : 'not started';
    const soak = stage.soakSeconds > 0 ? `, then soak ${formatDuration(stage.soakSeconds)}` : '';
    return `| ${stage.name} | ${steps}, watch ${formatDuration(stage.input.environment.watchSeconds)}${soak} | ${outcome.replace(/\|/g, '\\|')} |`;
  });
  return [
    `Route \`${route}\`: ${stages.map((s) => s.name).join(' → ')}`,
    '',
    '| environment | plan | outcome |',
    '| --- | --- | --- |',
    ...rows,
  ].join('\n');
}
