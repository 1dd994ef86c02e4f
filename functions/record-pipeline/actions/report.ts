import { messageOf } from '../../shared/domain/caught.js';
import { planSummary } from '../../shared/domain/pipeline.js';
import type { PipelineInput, PipelineRecord, ReleaseRecord } from '../../shared/domain/release.js';
import { log } from '../../shared/log.js';
import type { CheckRunReport } from '../../shared/ports/index.js';
import type { RecordPipelinePorts } from '../record-pipeline.js';

/** The pipeline's record and this attempt's environment records, for the plan's summary. */
export async function progress(
  p: RecordPipelinePorts,
  { pipeline, stages }: PipelineInput,
): Promise<{
  record: PipelineRecord;
  envRecords: Record<string, ReleaseRecord | undefined>;
  summary: string;
}> {
  const store = p.releases();
  const { release } = pipeline;
  const record = await store.pipelineOf(release.id);
  if (!record) throw new Error(`pipeline ${pipeline.executionName} has no record`);
  const envRecords = Object.fromEntries(
    await Promise.all(stages.map(async (s) => [s.name, await store.get(release.id, s.name)] as const)),
  );
  // Records of an earlier attempt say nothing about this one.
  for (const stage of stages) {
    if (envRecords[stage.name]?.executionName !== stage.executionName) envRecords[stage.name] = undefined;
  }
  return { record, envRecords, summary: planSummary(pipeline.route.name, stages, envRecords) };
}

/** Updates the plan's check run, if it was posted. */
export async function report(
  p: RecordPipelinePorts,
  input: PipelineInput,
  record: PipelineRecord,
  checkRun: CheckRunReport,
): Promise<void> {
  const { release } = input.pipeline;
  const checkRunId = record.pipeline.checkRunId;
  if (checkRunId === undefined) return;
  await reportSafely(p, release.id, () => p.checkReporter().update(release.repository, checkRunId, checkRun));
}

/** Runs a check run write; a failure is logged and recorded, never thrown. */
export async function reportSafely<T>(
  p: RecordPipelinePorts,
  releaseId: string,
  write: () => Promise<T>,
): Promise<T | undefined> {
  try {
    return await write();
  } catch (error) {
    log.warn('check run not written', { releaseId, error });
    await p
      .releases()
      .updatePipeline(releaseId, {}, { event: 'check_run_failed', detail: messageOf(error) })
      .catch(() => undefined);
    return undefined;
  }
}
