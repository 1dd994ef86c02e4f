import type { EnvironmentStatus, RollbackResult } from '../functions/shared/control/manual-control.js';
import type { DeliveryMetrics, DurationStats } from '../functions/shared/domain/delivery-metrics.js';
import { formatDuration } from '../functions/shared/domain/duration.js';
import type { Ignored, ReleasePlan } from '../functions/shared/domain/plan.js';
import type { EnvironmentInput, ReleaseStatus } from '../functions/shared/domain/release.js';
import {
  type GroupNames,
  groupName,
  statusWords,
  withoutArns,
} from '../functions/shared/domain/release-words.js';
import type { EnvironmentSchedule } from '../functions/shared/domain/schedule.js';
import type { AdHocFreeze, FreezeRecord } from '../functions/shared/domain/windows.js';

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

/** A duration in milliseconds as people read it: "1,234 ms" under a minute, else "40m 12s". */
const ms = (value: number | undefined) =>
  value === undefined
    ? '-'
    : value < 60_000
      ? `${value.toLocaleString('en-US')} ms`
      : formatDuration(Math.round(value / 1000));

const distribution = (d: DurationStats) =>
  d.n === 0 ? 'none measured (n=0)' : `median ${ms(d.medianMs)}, p90 ${ms(d.p90Ms)} (n=${d.n}`;

/** `sluice status --metrics`: each environment's four DORA metrics with the counts behind them. */
export function formatMetrics(m: DeliveryMetrics): string {
  const lines = [
    `delivery metrics over ${m.window.days} days (${m.window.since} → ${m.window.until}); production is ${m.production}`,
  ];
  for (const df of m.deploymentFrequency) {
    const env = df.environment;
    const lead = m.leadTime.find((l) => l.environment === env);
    const cfr = m.changeFailureRate.find((c) => c.environment === env);
    const ttr = m.timeToRestore.find((t) => t.environment === env);
    lines.push(
      '',
      `${env}${env === m.production ? ' (production)' : ''}`,
      `  deployment frequency: ${df.deployments} deployment(s) (${df.perDay}/day, ${df.perWeek}/week; ${df.daysWithADeployment} day(s) with one)`,
    );
    if (lead)
      lines.push(
        `  lead time for changes: ${distribution(lead)}${lead.n ? `: ${lead.fromCommit} from the commit's time, ${lead.fromPush} from the push's)` : ''}`,
      );
    if (cfr)
      lines.push(
        `  change failure rate: ${cfr.failed}/${cfr.deployments}${cfr.rate === null ? '' : ` = ${Math.round(cfr.rate * 1000) / 10}%`} (${cfr.rolledBack} rolled back, ${cfr.failedToDeploy} failed; not counted: ${cfr.excluded.superseded} superseded, ${cfr.excluded.aborted} aborted, ${cfr.excluded.rejected} rejected; ${cfr.open} still running)`,
      );
    if (ttr) {
      const by = Object.entries(ttr.byTrigger)
        .map(
          ([trigger, n]) =>
            `${n} by ${trigger === 'manual' ? 'a person' : trigger === 'unknown' ? 'an unrecorded cause' : `the ${trigger}`}`,
        )
        .join(', ');
      lines.push(`  time to restore: ${distribution(ttr)}${ttr.n ? `: ${by})` : ''}`);
    }
  }
  return lines.join('\n');
}

/** An alarm's state change and what Sluice did about it, in words (the alarm handler's answer is data). */
export function alarmWords(
  detail: { alarmName: string; previousState: { value: string }; state: { value: string } },
  result: unknown,
  /** How the event reached the delivery account: forwarded from an environment's own account, or not. */
  route?: { route: string; from?: string },
): string {
  const answer = result as { action?: string; reason?: string; releaseId?: string } | undefined;
  const did =
    answer?.action === 'rolled_back'
      ? ` — ${answer.releaseId ?? 'the release'} rolled back at once`
      : answer?.action === 'ignored' && answer.reason && detail.state.value === 'ALARM'
        ? ` — nothing to do: ${answer.reason}`
        : '';
  const via = route?.route === 'forwarded' && route.from ? ` (forwarded from account ${route.from})` : '';
  return `  ⚑ alarm ${detail.alarmName}${via}: ${detail.previousState.value} → ${detail.state.value}${did}`;
}

/** `sluice rollback`'s answer in words: what it did and which group serves now (blue/green, never an ARN). */
export function rollbackWords(environment: string, result: RollbackResult, groups?: GroupNames): string {
  const live = groupName(result.live, groups);
  const of = result.releaseId ? ` ${result.releaseId}` : '';
  switch (result.action) {
    case 'stopped':
      return `${environment}: stopped the running release${of}; ${live} serves all traffic`;
    case 'flipped':
      return `${environment}: flipped back to the previous version; ${live} serves all traffic${result.releaseId ? ` (release ${result.releaseId} is marked rolled back)` : ''}`;
    case 'restored':
      return `${environment}: restored the split listener; ${live} serves all traffic (${withoutArns(result.why, groups)})`;
  }
}

/** `sluice abort`'s answer in words. */
export function abortWords(
  release: string,
  aborted: { environment: string; status: ReleaseStatus }[],
): string {
  return `${release}: ${aborted.map((a) => `${statusWords(a.status)} in ${a.environment}`).join(', ')}; its traffic is back on the stable version`;
}

/** `sluice freeze start|end`'s answer in words. */
export function freezeWords(
  answer: { freeze?: AdHocFreeze; ended?: FreezeRecord | null },
  environment: string,
): string {
  if (answer.freeze) {
    const f = answer.freeze;
    return `${f.environment} frozen by ${f.by} since ${f.startedAt}${f.until ? ` until ${f.until}` : ' until `sluice freeze end`'}: ${f.reason}`;
  }
  const ended = answer.ended;
  return ended
    ? `${ended.environment}: the freeze by ${ended.by} (${ended.reason}) ended${ended.endedBy ? ` by ${ended.endedBy}` : ''}${ended.endedAt ? ` at ${ended.endedAt}` : ''}`
    : `${environment}: no freeze was in force`;
}
