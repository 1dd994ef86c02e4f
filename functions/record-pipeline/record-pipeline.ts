import { assertNever } from '../shared/domain/assert-never.js';
import type { PipelineInput, StageInput } from '../shared/domain/release.js';
import { lambdaHandler } from '../shared/lambda-handler.js';
import type { Ports } from '../shared/ports/index.js';
import { finished } from './actions/finished.js';
import { stage } from './actions/stage.js';
import { started } from './actions/started.js';

/** What pipeline.asl.json sends RecordPipeline, one shape per event. */
export type PipelineEvent =
  | (PipelineInput & { event: 'started' })
  | (PipelineInput & { event: 'stage_started' | 'stage_succeeded'; stage: string })
  | (PipelineInput & { event: 'succeeded' })
  | (PipelineInput & {
      event: 'failed';
      current?: { stage?: Partial<StageInput> };
      error?: { Error?: string; Cause?: string };
    });

/** What the PipelineFailed state ends the execution with; empty for every other event. */
export type PipelineResult = { error: '' | 'PipelineStopped'; cause: string };

/** The ports RecordPipeline uses: its wiring below, the embedded runtime and its IAM grants supply exactly these. */
export type RecordPipelinePorts = Pick<Ports, 'releases' | 'checkReporter' | 'now'>;

/**
 * Records a pipeline's progress on its own record and mirrors it on the commit as the "Sluice
 * plan" check run. GitHub being unreachable never stops a release: a failed check run write is
 * logged and recorded, nothing more.
 */
export const createRecordPipelineHandler = (ports: RecordPipelinePorts) =>
  lambdaHandler<PipelineEvent, PipelineResult, RecordPipelinePorts>('RecordPipeline', ports, (input, p) => {
    switch (input.event) {
      case 'started':
        return started(p, input);
      case 'stage_started':
      case 'stage_succeeded':
        return stage(p, input);
      case 'succeeded':
      case 'failed':
        return finished(p, input);
      default:
        return assertNever(input, 'pipeline event');
    }
  });
