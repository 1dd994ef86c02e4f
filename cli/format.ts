import type { EnvironmentStatus } from '../functions/shared/control/manual-control.js';
import { formatDuration } from '../functions/shared/domain/duration.js';
import type { Ignored, ReleasePlan } from '../functions/shared/domain/plan.js';
import type { EnvironmentInput } from '../functions/shared/domain/release.js';
import type { EnvironmentSchedule } from '../functions/shared/domain/schedule.js';

/** A plan as a person reads it in a terminal. */
export function formatPlan(plan: ReleasePlan | Ignored, schedule: EnvironmentSchedule[] = []): string {
  if (plan.kind === 'ignored') return `ignored: ${plan.reason}`;
  const { release } = plan;
  const lines = [
    `release ${release.id}  ${release.repository}@${release.sha.slice(0, 7)} on ${release.branch} by ${release.pusher}`,
    `route ${plan.route.name}: ${plan.route.environments.join(' → ')}  (build timeout ${formatDuration(plan.route.buildTimeoutSeconds)})`,
    `pipeline execution ${plan.pipeline.executionName}`,
    '',
  ];
  const rows = [
    [
      'environment',
      'starts on',
      'steps (weight% × bake)',
      'watch',
      'soak',
      'expected',
      'worst-case detection',
      'execution',
    ],
  ];
  for (const env of plan.environments) {
    rows.push([
      env.name,
      env.startsOn,
      env.input.steps.map((s) => `${s.weight}%×${formatDuration(s.bakeSeconds)}`).join(' → '),
      formatDuration(env.input.environment.watchSeconds),
      env.soakSeconds > 0 ? formatDuration(env.soakSeconds) : '-',
      formatDuration(env.expectedSeconds),
      formatDuration(env.worstCaseDetectionSeconds),
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
  const judged = plan.environments.map((env) => describeAnalysis(env.name, env.input.environment));
  lines.push('', ...judged);
  if (schedule.length > 0) lines.push('', 'when each environment would start, and who approves it:');
  for (const row of schedule) {
    const approval =
      row.approval === 'none'
        ? 'no approval'
        : `approval by ${row.approval.approvers.join(', ')} within ${formatDuration(row.approval.timeoutSeconds)}`;
    const start = row.startsAt ? `starts ${row.startsAt}` : 'does not start';
    lines.push(
      `  ${row.name}: reached ${row.reachesAt}, ${start}${row.wait ? ` (${row.wait})` : ''}; ${approval}`,
    );
  }
  lines.push(
    '',
    `expected duration of the whole pipeline (bakes, watches and soaks; deploys excluded): ${formatDuration(plan.expectedSeconds)}`,
    `worst case before Sluice's own alarm checks catch a bad release: ${formatDuration(plan.worstCaseDetectionSeconds)} (alarm events act sooner)`,
  );
  return lines.join('\n');
}

/** One line per environment: how its bakes judge the canary, and what an alarm in ALARM at the start does. */
export function describeAnalysis(name: string, env: EnvironmentInput): string {
  const atStart = `alarms in ALARM at the start: ${env.alarmsAtStart ?? 'ignore'}`;
  const a = env.analysis;
  if (!a) return `${name}: canary analysis off (alarms alone judge the bakes); ${atStart}`;
  const comparisons = a.comparisons
    .map((c) =>
      c.kind === 'errorRate'
        ? `5xx rate ≤ baseline +${c.maxIncreasePoints} points`
        : c.kind === 'latency'
          ? `p${c.percentile} response time ≤ baseline +${c.maxIncreasePercent}%`
          : `${c.namespace}/${c.name} ${c.statistic} ≤ baseline +${c.maxIncreasePercent}%`,
    )
    .join(', ');
  return `${name}: canary analysis every ${formatDuration(a.intervalSeconds)} of each bake — ${comparisons}; ${Math.round(a.confidence * 1000) / 10}% confidence, ≥ ${a.minRequests} requests a side; inconclusive at a bake's end: ${a.inconclusive}; ${atStart}`;
}

/** `sluice status`: each environment's traffic as the listener serves it, its lock, its latest releases. */
export function formatStatus(environments: EnvironmentStatus[]): string {
  return environments
    .map((env) => {
      const head = `${env.environment}: ${env.traffic} (live: ${env.live})${env.lock ? ` · locked by ${env.lock.releaseId}` : ''}${env.error ? `\n  ✗ cannot read the listener: ${env.error}` : ''}${env.drift ? `\n  ⚠ ${env.drift}` : ''}`;
      const releases = env.releases.map(
        (r) =>
          `  ${r.releaseId}${(r.attempt ?? 1) > 1 ? ` (attempt ${r.attempt})` : ''}  ${r.version.slice(0, 12)}  ${r.status.padEnd(11)}  ${r.startedAt}${r.cause ? `  — ${r.cause}` : ''}`,
      );
      return [head, ...(releases.length > 0 ? releases : ['  no releases yet'])].join('\n');
    })
    .join('\n');
}
