import { describeCaught } from '../../shared/domain/errors.js';
import { causeOf } from '../../shared/domain/records.js';
import type { CheckRunReport } from '../../shared/ports/index.js';
import type { PipelineEvent, PipelineResult, RecordPipelinePorts } from '../record-pipeline.js';
import { progress, report } from './report.js';

/** The pipeline ended: released to every environment, or stopped in one (failed or superseded). */
export async function finished(
  p: RecordPipelinePorts,
  input: Extract<PipelineEvent, { event: 'succeeded' | 'failed' }>,
): Promise<PipelineResult> {
  const { pipeline, stages } = input;
  const store = p.releases();
  const now = p.now().toISOString();
  const { record, envRecords, summary } = await progress(p, input);

  if (input.event === 'succeeded') {
    await store.updatePipeline(
      pipeline.release.id,
      { status: 'succeeded', endedAt: now },
      { event: 'succeeded', detail: `released to ${stages.map((s) => s.name).join(', ')}` },
    );
    await report(p, input, record, {
      status: 'completed',
      conclusion: 'success',
      title: `released to ${stages.map((s) => s.name).join(' → ')}`,
      summary,
    });
    return { error: '', cause: '' };
  }

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
  await store.updatePipeline(
    pipeline.release.id,
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
  const checkRun: CheckRunReport = superseded
    ? { status: 'completed', conclusion: 'cancelled', title: `superseded in ${where}`, summary }
    : { status: 'completed', conclusion: 'failure', title: `stopped in ${where}`, summary };
  await report(p, input, record, checkRun);
  return { error: 'PipelineStopped', cause: message };
}
