import { accessScope } from '../shared/domain/accounts.js';
import { type AnalysisResult, judgeCanary } from '../shared/domain/analysis.js';
import { CanaryInconclusiveError, CanaryRegressionError } from '../shared/domain/errors.js';
import type { ReleaseInput, StepInput, Targets } from '../shared/domain/release.js';
import { lambdaHandler } from '../shared/lambda-handler.js';
import type { Ports } from '../shared/ports/index.js';

type Input = Pick<ReleaseInput, 'release' | 'environment' | 'executionName'> & {
  targets: Targets;
  step: StepInput;
  /** Seconds of this bake before the wait that just ended. */
  elapsedSeconds: number;
  /** The wait that just ended. */
  waitSeconds: number;
};

interface Output {
  /** `continue`: wait `waitSeconds` and judge again; `done`: the bake is over and the canary may go on. */
  verdict: 'continue' | 'done';
  elapsedSeconds: number;
  waitSeconds: number;
  result: AnalysisResult['verdict'];
  evidence: string;
}

/** The ports AnalyzeCanary uses: its wiring below, the embedded runtime and its IAM grants supply exactly these. */
export type AnalyzeCanaryPorts = Pick<Ports, 'metrics' | 'releases' | 'now'>;

/**
 * One look of the canary analysis, at each interval of a bake: reads both target groups' metrics
 * since the first shift and judges them (domain/analysis.ts). A fail throws CanaryRegressionError
 * with the evidence, which the state machine's Catch turns into a rollback at once; at the bake's
 * end an inconclusive verdict passes or fails by the environment's policy.
 */
export const createAnalyzeCanaryHandler = (ports: AnalyzeCanaryPorts) =>
  lambdaHandler<Input, Output, AnalyzeCanaryPorts>('AnalyzeCanary', ports, async (input, p) => {
    const { environment, release, targets, step } = input;
    const settings = environment.analysis;
    const elapsedSeconds = (input.elapsedSeconds ?? 0) + (input.waitSeconds ?? 0);
    if (!settings) {
      return {
        verdict: 'done',
        elapsedSeconds,
        waitSeconds: 0,
        result: 'inconclusive',
        evidence: 'no analysis',
      };
    }
    const store = p.releases();
    const now = p.now().getTime();
    const record = await store.get(release.id, environment.name);
    const firstShift = record?.steps[0]?.at;
    const canaryStart = firstShift ? Date.parse(firstShift) : now - elapsedSeconds * 1000;
    // Whole periods only, from the one the first shift fell in up to the last completed one.
    const period = settings.intervalSeconds * 1000;
    const from = Math.floor(canaryStart / period) * period;
    const to = Math.floor(now / period) * period;
    const intervals =
      to > from
        ? await p.metrics(accessScope(environment.name, release.id)).intervals({
            listenerArn: environment.listenerArn,
            canary: targets.idle,
            baseline: targets.live,
            comparisons: settings.comparisons,
            from: new Date(from),
            to: new Date(to),
            periodSeconds: settings.intervalSeconds,
          })
        : [];
    const result = judgeCanary(intervals, settings);
    const bakeOver = elapsedSeconds >= step.bakeSeconds;

    if (result.verdict === 'fail') {
      await store.update(
        release.id,
        environment.name,
        {},
        { event: 'analysis', detail: `fail: ${result.evidence}` },
      );
      throw new CanaryRegressionError(result.evidence);
    }
    if (!bakeOver) {
      return {
        verdict: 'continue',
        elapsedSeconds,
        waitSeconds: Math.max(1, Math.min(settings.intervalSeconds, step.bakeSeconds - elapsedSeconds)),
        result: result.verdict,
        evidence: result.evidence,
      };
    }
    await store.update(
      release.id,
      environment.name,
      {},
      { event: 'analysis', detail: `${result.verdict} at ${step.weight}%: ${result.evidence}` },
    );
    if (result.verdict === 'inconclusive' && settings.inconclusive === 'fail') {
      throw new CanaryInconclusiveError(
        `inconclusive at the end of the ${step.weight}% bake: ${result.evidence}`,
      );
    }
    return {
      verdict: 'done',
      elapsedSeconds,
      waitSeconds: 0,
      result: result.verdict,
      evidence: result.evidence,
    };
  });
