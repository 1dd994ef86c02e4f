import type { PipelineEvent, PipelineResult, RecordPipelinePorts } from '../record-pipeline.js';
import { progress, report } from './report.js';

/** An environment of the route began, or passed (its release and its soak). */
export async function stage(
  p: RecordPipelinePorts,
  input: Extract<PipelineEvent, { event: 'stage_started' | 'stage_succeeded' }>,
): Promise<PipelineResult> {
  const { record, summary } = await progress(p, input);
  const updated = await p
    .releases()
    .updatePipeline(
      input.pipeline.release.id,
      { pipeline: { ...record.pipeline, current: input.stage } },
      { event: input.event, detail: input.stage },
    );
  await report(p, input, updated, {
    status: 'in_progress',
    title: `${input.stage}: ${input.event === 'stage_started' ? 'releasing' : 'succeeded'}`,
    summary,
  });
  return { error: '', cause: '' };
}
