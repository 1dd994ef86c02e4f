import { describeCaught } from '../shared/domain/errors.js';
import { PLAN_CHECK_NAME, planSummary } from '../shared/domain/pipeline.js';
import { causeOf } from '../shared/domain/records.js';
import {
  PIPELINE_RECORD,
  type PipelineInput,
  type ReleaseRecord,
  type StageInput,
} from '../shared/domain/release.js';
import { lambdaHandler } from '../shared/lambda-handler.js';
import { log } from '../shared/log.js';
import type { CheckRunReport, Ports } from '../shared/ports/index.js';

type Input = PipelineInput & {
  event: 'started' | 'stage_started' | 'stage_succeeded' | 'succeeded' | 'failed';
  stage?: string;
  current?: { stage?: Partial<StageInput> };
  error?: { Error?: string; Cause?: string };
};

/** The ports RecordPipeline uses: its wiring below, the embedded runtime and its IAM grants supply exactly these. */
export type RecordPipelinePorts = Pick<Ports, 'releases' | 'checkReporter' | 'now'>;

/**
 * Records a pipeline's progress on its own record (key `@pipeline`) and mirrors it on the commit
 * as the "Sluice plan" check run. GitHub being unreachable never stops a release: a failed check
 * run write is logged and recorded, nothing more.
 */
export const createRecordPipelineHandler = (ports: RecordPipelinePorts) =>
  lambdaHandler<Input, { error: string; cause: string }, RecordPipelinePorts>(
    'RecordPipeline',
    ports,
    async (input, p) => {
      const { pipeline, stages } = input;
      const { release } = pipeline;
      const store = p.releases();
      const now = p.now().toISOString();

      if (input.event === 'started') {
        const fresh: ReleaseRecord = {
          releaseId: release.id,
          environment: PIPELINE_RECORD,
          executionName: pipeline.executionName,
          repository: release.repository,
          service: release.service,
          branch: release.branch,
          sha: release.sha,
          version: release.version,
          status: 'in_progress',
          steps: [],
          startedAt: now,
          updatedAt: now,
          attempt: release.attempt ?? 1,
          history: [
            {
              at: now,
              event: 'started',
              detail: `route ${pipeline.route.name}, pushed by ${release.pusher}`,
            },
          ],
          pipeline: { route: pipeline.route.name, environments: pipeline.route.environments },
        };
        if (!(await store.create(fresh))) {
          const existing = await store.get(release.id, PIPELINE_RECORD);
          // A retried Task of the same execution keeps its record; a new attempt starts afresh.
          if (existing?.executionName !== pipeline.executionName) {
            const { history: _h, ...rest } = fresh;
            await store.update(
              release.id,
              PIPELINE_RECORD,
              { ...rest, cause: undefined, endedAt: undefined },
              {
                event: 'started',
                detail: `attempt ${release.attempt ?? 1}, route ${pipeline.route.name}`,
              },
            );
          }
        }
        const record = await store.get(release.id, PIPELINE_RECORD);
        if (record?.pipeline?.checkRunId === undefined) {
          const id = await reportSafely(p, release.id, () =>
            p.checkReporter().create(release.repository, release.sha, PLAN_CHECK_NAME, {
              status: 'in_progress',
              title: `${stages.map((s) => s.name).join(' → ')}`,
              summary: planSummary(pipeline.route.name, stages, {}),
            }),
          );
          if (id !== undefined) {
            await store.update(
              release.id,
              PIPELINE_RECORD,
              { pipeline: { ...record!.pipeline!, checkRunId: id } },
              { event: 'plan_posted', detail: `check run ${id}` },
            );
          }
        }
        return { error: '', cause: '' };
      }

      const record = await store.get(release.id, PIPELINE_RECORD);
      if (!record) throw new Error(`pipeline ${pipeline.executionName} has no record`);
      const envRecords = Object.fromEntries(
        await Promise.all(stages.map(async (s) => [s.name, await store.get(release.id, s.name)] as const)),
      );
      // Records of an earlier attempt say nothing about this one.
      for (const stage of stages) {
        if (envRecords[stage.name]?.executionName !== stage.executionName) envRecords[stage.name] = undefined;
      }
      const summary = planSummary(pipeline.route.name, stages, envRecords);
      let report: CheckRunReport;
      let result = { error: '', cause: '' };

      if (input.event === 'stage_started' || input.event === 'stage_succeeded') {
        await store.update(
          release.id,
          PIPELINE_RECORD,
          { pipeline: { ...record.pipeline!, current: input.stage } },
          { event: input.event, detail: input.stage },
        );
        report = {
          status: 'in_progress',
          title: `${input.stage}: ${input.event === 'stage_started' ? 'releasing' : 'succeeded'}`,
          summary,
        };
      } else if (input.event === 'succeeded') {
        await store.update(
          release.id,
          PIPELINE_RECORD,
          { status: 'succeeded', endedAt: now },
          { event: 'succeeded', detail: `released to ${stages.map((s) => s.name).join(', ')}` },
        );
        report = {
          status: 'completed',
          conclusion: 'success',
          title: `released to ${stages.map((s) => s.name).join(' → ')}`,
          summary,
        };
      } else {
        const where = input.current?.stage?.name ?? '(unknown)';
        const envRecord = envRecords[where];
        const caught = describeCaught(input.error);
        // The child's own record says why in words; the Task error only says that the child failed.
        const why =
          envRecord && envRecord.status !== 'succeeded'
            ? (envRecord.cause?.message ?? `ended ${envRecord.status}`)
            : envRecord
              ? `during the soak after it succeeded: ${caught.error} ${caught.message}`
              : caught.message;
        const superseded = envRecord?.status === 'superseded';
        const message = `${superseded ? 'superseded' : 'stopped'} in ${where}: ${why}`;
        const later = stages.slice(stages.findIndex((s) => s.name === where) + 1).map((s) => s.name);
        await store.update(
          release.id,
          PIPELINE_RECORD,
          {
            status: superseded ? 'superseded' : 'failed',
            endedAt: now,
            cause: {
              ...causeOf(envRecord?.cause?.error ?? caught.error, message),
              ...(envRecord?.cause ? { trigger: envRecord.cause.trigger } : {}),
            },
          },
          {
            event: superseded ? 'superseded' : 'failed',
            detail: later.length > 0 ? `${message}; not started: ${later.join(', ')}` : message,
          },
        );
        // A newer push of the branch took over: this commit did not fail, it was overtaken
        // (GitHub check runs: `cancelled` is a conclusion of a completed run).
        report = superseded
          ? { status: 'completed', conclusion: 'cancelled', title: `superseded in ${where}`, summary }
          : { status: 'completed', conclusion: 'failure', title: `stopped in ${where}`, summary };
        result = { error: 'PipelineStopped', cause: message };
      }
      const checkRunId = record.pipeline?.checkRunId;
      if (checkRunId !== undefined) {
        await reportSafely(p, release.id, () =>
          p.checkReporter().update(release.repository, checkRunId, report),
        );
      }
      return result;
    },
  );

async function reportSafely<T>(
  p: RecordPipelinePorts,
  releaseId: string,
  write: () => Promise<T>,
): Promise<T | undefined> {
  try {
    return await write();
  } catch (error) {
    log.warn('check run not written', {
      releaseId,
      error: (error as Error).name,
      reason: (error as Error).message,
    });
    await p
      .releases()
      .update(releaseId, PIPELINE_RECORD, {}, { event: 'check_run_failed', detail: (error as Error).message })
      .catch(() => undefined);
    return undefined;
  }
}
