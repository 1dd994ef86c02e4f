import { PLAN_CHECK_NAME, planSummary } from '../../shared/domain/pipeline.js';
import type { PipelineRecord } from '../../shared/domain/release.js';
import type { PipelineEvent, PipelineResult, RecordPipelinePorts } from '../record-pipeline.js';
import { reportSafely } from './report.js';

/** The pipeline began: its record (a new attempt starts it afresh) and the plan's check run. */
export async function started(
  p: RecordPipelinePorts,
  input: Extract<PipelineEvent, { event: 'started' }>,
): Promise<PipelineResult> {
  const { pipeline, stages } = input;
  const { release } = pipeline;
  const store = p.releases();
  const now = p.now().toISOString();
  const fresh: PipelineRecord = {
    kind: 'pipeline',
    releaseId: release.id,
    executionName: pipeline.executionName,
    repository: release.repository,
    service: release.service,
    branch: release.branch,
    sha: release.sha,
    version: release.version,
    status: 'in_progress',
    startedAt: now,
    updatedAt: now,
    attempt: release.attempt ?? 1,
    history: [
      { at: now, event: 'started', detail: `route ${pipeline.route.name}, pushed by ${release.pusher}` },
    ],
    pipeline: { route: pipeline.route.name, environments: pipeline.route.environments },
  };
  let record = fresh;
  if (!(await store.createPipeline(fresh))) {
    const existing = await store.pipelineOf(release.id);
    // A retried Task of the same execution keeps its record; a new attempt starts afresh.
    if (existing?.executionName !== pipeline.executionName) {
      const { history: _h, ...rest } = fresh;
      record = await store.updatePipeline(
        release.id,
        { ...rest, cause: undefined, endedAt: undefined },
        { event: 'started', detail: `attempt ${release.attempt ?? 1}, route ${pipeline.route.name}` },
      );
    } else if (existing) {
      record = existing;
    }
  }
  if (record.pipeline.checkRunId === undefined) {
    const id = await reportSafely(p, release.id, () =>
      p.checkReporter().create(release.repository, release.sha, PLAN_CHECK_NAME, {
        status: 'in_progress',
        title: `${stages.map((s) => s.name).join(' → ')}`,
        summary: planSummary(pipeline.route.name, stages, {}),
      }),
    );
    if (id !== undefined) {
      await store.updatePipeline(
        release.id,
        { pipeline: { ...record.pipeline, checkRunId: id } },
        { event: 'plan_posted', detail: `check run ${id}` },
      );
    }
  }
  return { error: '', cause: '' };
}
