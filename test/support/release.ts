import { createHash } from 'node:crypto';
import type { EnvironmentPlan, ReleasePlan } from '../../functions/shared/domain/plan.js';
import { planRelease } from '../../functions/shared/domain/plan.js';
import { newRecord } from '../../functions/shared/domain/records.js';
import type { ReleaseInput, ReleaseRecord, Targets } from '../../functions/shared/domain/release.js';
import { exampleConfig } from './config.js';
import { fixture } from './github.js';

/** The plan of the release-branch push fixture against the example config. */
export function examplePlan(): ReleasePlan {
  const plan = planRelease(exampleConfig(), fixture('push-release-branch'), 'delivery-1');
  if (plan.kind !== 'release') throw new Error(plan.reason);
  return plan;
}

/** One environment's state machine input: dev (external deploy), staging (ECS), prod (Slack approval). */
export function releaseInput(environment: 'dev' | 'staging' | 'prod'): ReleaseInput {
  const env = examplePlan().environments.find((e: EnvironmentPlan) => e.name === environment);
  if (!env) throw new Error(`no environment ${environment}`);
  return structuredClone(env.input);
}

/** Blue live, green idle: where a release starts from. */
export function blueLive(input: ReleaseInput): Targets {
  return { live: input.environment.targetGroups.blue, idle: input.environment.targetGroups.green };
}

/** A record as BeginRelease leaves it, with overrides. */
export function recordOf(input: ReleaseInput, overrides: Partial<ReleaseRecord> = {}): ReleaseRecord {
  const fresh = newRecord(input, new Date('2026-01-01T00:00:00.000Z'));
  return {
    ...fresh,
    targets: blueLive(input),
    history: [{ at: fresh.startedAt, event: 'started' }],
    ...overrides,
  };
}

/** A commit SHA made from a label, so a test names its pushes. */
export const shaOf = (label: string) => createHash('sha1').update(label).digest('hex');
