import { awsReleases } from '../shared/aws/dynamodb-release-store.js';
import { awsTrafficRouter } from '../shared/aws/elbv2-traffic-router.js';
import { awsPortsWith } from '../shared/aws/ports.js';
import {
  NotEnoughHealthyTargetsError,
  ReleaseStoppedError,
  TrafficShiftError,
} from '../shared/domain/errors.js';
import type { ReleaseInput, StepInput, Targets, Weights } from '../shared/domain/release.js';
import { restoredWeights, stepWeights, weightsMatch } from '../shared/domain/traffic.js';
import { type PortsProvider, taskHandler } from '../shared/handler.js';
import { isTerminal, listenerIsOurs } from '../shared/release-control.js';

type Input = Pick<ReleaseInput, 'release' | 'environment' | 'executionName'> & {
  targets: Targets;
  step: StepInput;
};

/**
 * One canary step: gate on the idle group's healthy targets, set the weights, and read them back
 * from the load balancer. If the release was stopped meanwhile, the write is undone.
 */
export const createShiftTrafficHandler = (ports: PortsProvider) =>
  taskHandler<Input, { observed: Weights }>('ShiftTraffic', ports, async (input, p) => {
    const { release, environment, targets, step } = input;
    const store = p.releases();
    const router = p.trafficRouter(environment);
    const current = () => store.get(release.id, environment.name);

    if (isTerminal(await current()))
      throw new ReleaseStoppedError(`release ${release.id} has ended; not shifting`);
    const healthy = await router.healthyTargets(targets.idle);
    if (healthy < environment.minHealthyTargets) {
      throw new NotEnoughHealthyTargetsError(
        `${healthy} healthy target(s) in ${targets.idle}, ${environment.minHealthyTargets} required before shifting to ${step.weight}%`,
      );
    }

    const wanted = stepWeights(targets, step.weight);
    await router.setWeights(wanted);
    const observed = await router.readWeights();

    // Marked stopped while we wrote (alarm, abort, newer push): our write may have landed after
    // the restore, so restore again. Whoever stops a release marks it before restoring.
    const record = await current();
    if (isTerminal(record)) {
      const owner = { releaseId: release.id, executionName: input.executionName };
      if (await listenerIsOurs(p, environment.name, owner)) await router.setWeights(restoredWeights(targets));
      throw new ReleaseStoppedError(
        `release ${release.id} was stopped during step ${step.index}; traffic restored`,
      );
    }
    if (!weightsMatch(wanted, observed)) {
      throw new TrafficShiftError(
        `listener reads ${JSON.stringify(observed)} after writing ${JSON.stringify(wanted)} (step ${step.index})`,
      );
    }
    await store.update(
      release.id,
      environment.name,
      {
        steps: [
          ...(record?.steps ?? []).filter((s) => s.index !== step.index),
          { index: step.index, weight: step.weight, observed, at: p.now().toISOString() },
        ],
      },
      { event: 'shifted', detail: `${step.weight}% on the new version` },
    );
    return { observed };
  });

export const handler = createShiftTrafficHandler(
  awsPortsWith({ trafficRouter: awsTrafficRouter, releases: awsReleases }),
);
