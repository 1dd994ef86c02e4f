import { formatDuration } from '../shared/domain/duration.js';
import { WindowWaitExceededError } from '../shared/domain/errors.js';
import { DEFAULT_MAX_WINDOW_WAIT_SECONDS } from '../shared/domain/limits.js';
import { PLAN_CHECK_NAME, planSummary } from '../shared/domain/pipeline.js';
import type { PipelineInput } from '../shared/domain/release.js';
import { routesOf } from '../shared/domain/routes.js';
import { describeLocal, freezesOf, judgeWindow, waitTimestamp, windowsOf } from '../shared/domain/windows.js';
import { lambdaHandler } from '../shared/lambda-handler.js';
import { log } from '../shared/log.js';
import type { Ports } from '../shared/ports/index.js';

/**
 * How often a pipeline held by an operator's open-ended freeze (`sluice freeze start` without
 * `--until`) looks again: no time is known to wait for. Windows and configured freezes are waited
 * for exactly, with no polling.
 */
export const OPEN_FREEZE_RECHECK_SECONDS = 300;

/** What the pipeline carries between checks of one environment's window (`$.current.window`). */
export interface WindowState {
  /** When the wait for this environment gives up: its first check plus maxWindowWait. */
  deadline?: string;
  /** The `until` last announced, so a wait is announced once, and again only when it moves. */
  noted?: string;
}

type Input = PipelineInput & { stage: string; window?: WindowState };

/** The Choice after the Task reads `open`; the Wait reads `until` (TimestampPath). */
export interface WindowResult {
  open: boolean;
  /** RFC 3339, whole seconds, uppercase T and Z: what a Wait state's Timestamp accepts. */
  until: string;
  deadline: string;
  noted: string;
}

/** The ports AwaitWindow uses: its wiring below, the embedded runtime and its IAM grants supply exactly these. */
export type AwaitWindowPorts = Pick<Ports, 'config' | 'releases' | 'checkReporter' | 'notifier' | 'now'>;

/**
 * Before the pipeline enters an environment: is it inside a deploy window and outside every
 * freeze (the config's and an operator's)? If not, it answers the time the pipeline's Wait state
 * waits until, and says so once on the pipeline's record, the "Sluice plan" check run and in
 * Slack. It gives up (WindowWaitExceededError) when the environment would not open within its
 * maxWindowWait, so the pipeline's wait is bounded and counted in the route's limits.
 */
export const createAwaitWindowHandler = (ports: AwaitWindowPorts) =>
  lambdaHandler<Input, WindowResult, AwaitWindowPorts>('AwaitWindow', ports, async (input, p) => {
    const now = p.now();
    const config = p.config();
    const env = config.environments.find((e) => e.name === input.stage);
    if (!env) throw new Error(`no environment named ${input.stage} in the config`);
    const route = routesOf(config).find((r) => r.name === input.pipeline.route.name);
    const maxWait = env.maxWindowWait ?? DEFAULT_MAX_WINDOW_WAIT_SECONDS;
    const deadline = new Date(input.window?.deadline ?? now.getTime() + maxWait * 1000);
    const adHoc = await p.releases().activeFreeze(env.name, now);
    const verdict = judgeWindow(
      {
        windows: windowsOf(env),
        freezes: freezesOf(env),
        ...(adHoc ? { adHoc } : {}),
        passFreezes: route?.passFreezes ?? false,
      },
      now,
    );
    const zone = env.windows?.[0]?.timeZone ?? 'UTC';
    const store = p.releases();
    const releaseId = input.pipeline.release.id;

    if (verdict.open) {
      const record = input.window?.noted ? await store.pipelineOf(releaseId) : undefined;
      if (record) {
        const { waiting: _waiting, ...pipeline } = record.pipeline;
        await store.updatePipeline(
          releaseId,
          { pipeline },
          { event: 'window_opened', detail: `${env.name} may start now` },
        );
      }
      return { open: true, until: waitTimestamp(now), deadline: deadline.toISOString(), noted: '' };
    }

    const opens = verdict.opensAt ? `it opens ${describeLocal(verdict.opensAt, zone)}` : 'no end is set';
    if (now >= deadline || (verdict.opensAt && verdict.opensAt > deadline)) {
      throw new WindowWaitExceededError(
        `${env.name} is ${verdict.reason}; ${opens}, later than its maxWindowWait (${formatDuration(maxWait)}) allows`,
      );
    }
    const next = verdict.opensAt ?? new Date(now.getTime() + OPEN_FREEZE_RECHECK_SECONDS * 1000);
    const until = waitTimestamp(next < deadline ? next : deadline);
    const noted = verdict.opensAt ? until : 'open-ended';
    if (input.window?.noted !== noted)
      await announce(p, input, env.name, verdict.reason, opens, verdict.opensAt);
    return { open: false, until, deadline: deadline.toISOString(), noted };
  });

/** Says once that the pipeline waits: on its record, on the "Sluice plan" check run and in Slack. */
async function announce(
  p: AwaitWindowPorts,
  input: Input,
  environment: string,
  reason: string,
  opens: string,
  opensAt: Date | undefined,
): Promise<void> {
  const { release, route } = input.pipeline;
  const store = p.releases();
  const detail = `${environment} waits: it is ${reason}; ${opens}`;
  const record = await store.pipelineOf(release.id);
  if (!record) throw new Error(`pipeline ${input.pipeline.executionName} has no record`);
  const pipeline = record.pipeline;
  await store.updatePipeline(
    release.id,
    {
      pipeline: {
        ...pipeline,
        waiting: {
          environment,
          reason,
          since: p.now().toISOString(),
          ...(opensAt ? { until: opensAt.toISOString() } : {}),
        },
      },
    },
    { event: 'window_wait', detail },
  );
  const checkRunId = pipeline.checkRunId;
  const records = Object.fromEntries(
    await Promise.all(input.stages.map(async (s) => [s.name, await store.get(release.id, s.name)] as const)),
  );
  for (const stage of input.stages) {
    if (records[stage.name]?.executionName !== stage.executionName) records[stage.name] = undefined;
  }
  // GitHub or Slack being unreachable never stops a pipeline: the record says it waits.
  if (checkRunId !== undefined) {
    await p
      .checkReporter()
      .update(release.repository, checkRunId, {
        status: 'in_progress',
        title: `${environment}: waiting for its deploy window`,
        summary: `${detail}\n\n${planSummary(route.name, input.stages, records)}`,
      })
      .catch((error: Error) =>
        log.warn(`${PLAN_CHECK_NAME} not updated`, { releaseId: release.id, reason: error.message }),
      );
  }
  const config = p.config();
  const env = config.environments.find((e) => e.name === environment);
  const channel = env?.approval.type === 'slack' ? env.approval.channel : config.slack?.channel;
  if (channel) {
    const text = `${release.service} ${release.sha.slice(0, 7)} waits before ${environment}: it is ${reason}; ${opens}.`;
    await p
      .notifier()
      .post(channel, { text })
      .catch((error: Error) =>
        log.warn('Slack not told of the wait', { releaseId: release.id, reason: error.message }),
      );
  }
}
