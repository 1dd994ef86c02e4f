import type { EnvironmentStatus } from '../functions/shared/control/manual-control.js';
import { formatDuration } from '../functions/shared/domain/duration.js';
import type { Ignored, ReleasePlan } from '../functions/shared/domain/plan.js';

/** A plan as a person reads it in a terminal. */
export function formatPlan(plan: ReleasePlan | Ignored): string {
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
  lines.push(
    '',
    `expected duration of the whole pipeline (bakes, watches and soaks; deploys excluded): ${formatDuration(plan.expectedSeconds)}`,
    `worst case before Sluice's own alarm checks catch a bad release: ${formatDuration(plan.worstCaseDetectionSeconds)} (alarm events act sooner)`,
  );
  return lines.join('\n');
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
