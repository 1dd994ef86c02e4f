import { formatDuration } from '../functions/shared/domain/duration.js';
import type { Ignored, ReleasePlan } from '../functions/shared/domain/plan.js';

/** A plan as a person reads it in a terminal. */
export function formatPlan(plan: ReleasePlan | Ignored): string {
  if (plan.kind === 'ignored') return `ignored: ${plan.reason}`;
  const { release } = plan;
  const lines = [
    `release ${release.id}  ${release.repository}@${release.sha.slice(0, 7)} on ${release.branch} by ${release.pusher}`,
    '',
  ];
  const rows = [['environment', 'starts on', 'steps (weight% × bake)', 'watch', 'expected', 'execution']];
  for (const env of plan.environments) {
    rows.push([
      env.name,
      env.startsOn,
      env.input.steps.map((s) => `${s.weight}%×${formatDuration(s.bakeSeconds)}`).join(' → '),
      formatDuration(env.input.environment.watchSeconds),
      formatDuration(env.expectedSeconds),
      env.executionName,
    ]);
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  for (const row of rows)
    lines.push(
      row
        .map((cell, i) => cell.padEnd(widths[i]!))
        .join('  ')
        .trimEnd(),
    );
  lines.push(
    '',
    `expected duration (all environments, excluding deploys): ${formatDuration(plan.expectedSeconds)}`,
    `worst case before Sluice's own alarm checks catch a bad release: ${formatDuration(plan.worstCaseDetectionSeconds)} (alarm events act sooner)`,
  );
  return lines.join('\n');
}
