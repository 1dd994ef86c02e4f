import { accessScope } from '../shared/domain/accounts.js';
import { judgeAlarms } from '../shared/domain/alarms.js';
import {
  AlarmFiredError,
  AlarmNotFoundError,
  AlarmsAtStartError,
  AlarmsAtStartPendingError,
  InsufficientDataError,
} from '../shared/domain/errors.js';
import type { ReleaseInput } from '../shared/domain/release.js';
import { lambdaHandler } from '../shared/lambda-handler.js';
import type { Ports } from '../shared/ports/index.js';

type Input = Pick<ReleaseInput, 'release' | 'environment' | 'executionName'> & {
  /** `start`: before anything moves, by the environment's `alarmsAtStart`. */
  phase: 'start' | 'bake' | 'watch' | 'soak';
  extendedSeconds: number;
  bakeSeconds: number;
  /** The step's weight, in a bake: below 100, an approver's Promote now skips to the last step. */
  weight?: number;
};

interface Output {
  verdict: 'pass' | 'extend' | 'promote';
  extendedSeconds: number;
  extendSeconds: number;
}

/** The ports CheckAlarms uses: its wiring below, the embedded runtime and its IAM grants supply exactly these. */
export type CheckAlarmsPorts = Pick<Ports, 'alarms' | 'releases' | 'now'>;

/**
 * The second line of defence: judges the environment's alarms at the end of a bake or of the
 * post-release watch (the first line is the alarm event itself, handled by alarm-rollback).
 */
export const createCheckAlarmsHandler = (ports: CheckAlarmsPorts) =>
  lambdaHandler<Input, Output, CheckAlarmsPorts>('CheckAlarms', ports, async (input, p) => {
    const { environment } = input;
    if (input.phase === 'start') return checkAtStart(input, p);
    const statuses =
      environment.alarms.length > 0
        ? await p.alarms(accessScope(environment.name, input.release.id)).describe(environment.alarms)
        : [];
    const verdict = judgeAlarms(statuses, {
      phase: input.phase,
      policy: environment.insufficientData.policy,
      maxExtensionSeconds: environment.insufficientData.maxExtensionSeconds,
      extendedSeconds: input.extendedSeconds ?? 0,
      bakeSeconds: input.bakeSeconds,
    });
    switch (verdict.kind) {
      case 'alarm':
        // The names travel as data: Rollback reads them from the record, not from this message.
        await p
          .releases()
          .update(
            input.release.id,
            environment.name,
            { firedAlarms: verdict.alarms },
            { event: 'alarm', detail: verdict.reason },
          );
        throw new AlarmFiredError(verdict.alarms, verdict.reason);
      case 'no-data':
        throw new InsufficientDataError(verdict.reason);
      case 'missing':
        throw new AlarmNotFoundError(verdict.alarms, input.phase);
      case 'extend':
        return {
          verdict: 'extend',
          extendSeconds: verdict.extendSeconds,
          extendedSeconds: (input.extendedSeconds ?? 0) + verdict.extendSeconds,
        };
      case 'pass': {
        if (input.phase === 'soak') await failOnSoakEpisodes(input, p);
        const skip =
          input.phase === 'bake' &&
          input.weight !== undefined &&
          input.weight < 100 &&
          (await p.releases().get(input.release.id, environment.name))?.promoteNow !== undefined;
        return {
          verdict: skip ? 'promote' : 'pass',
          extendSeconds: 0,
          extendedSeconds: input.extendedSeconds ?? 0,
        };
      }
    }
  });

/**
 * An alarm already in ALARM when a release starts would roll back its first bake for a fault that
 * is not the new version's. `refuse` ends the release before anything moves, naming the alarm;
 * `wait` lets the state machine retry until it clears (then refuses); `ignore` leaves it to the bakes.
 */
async function checkAtStart(input: Input, p: CheckAlarmsPorts): Promise<Output> {
  const { environment } = input;
  const policy = environment.alarmsAtStart ?? 'ignore';
  const pass: Output = { verdict: 'pass', extendSeconds: 0, extendedSeconds: 0 };
  if (policy === 'ignore' || environment.alarms.length === 0) return pass;
  const firing = (
    await p.alarms(accessScope(environment.name, input.release.id)).describe(environment.alarms)
  ).filter((s) => s.state === 'ALARM');
  if (firing.length === 0) return pass;
  const named = firing.map((s) => `${s.name} (${s.reason ?? 'in ALARM'})`).join('; ');
  if (policy === 'wait') {
    throw new AlarmsAtStartPendingError(
      `still in ALARM when the release started: ${named}; waited 10m for it to clear (alarmsAtStart: wait), nothing moved`,
    );
  }
  throw new AlarmsAtStartError(
    `in ALARM when the release started: ${named}; nothing moved (alarmsAtStart: refuse)`,
  );
}

const CLOCK_SKEW_MS = 60_000;

/**
 * A soak passes only if no alarm went into ALARM since the environment's release was promoted: an
 * alarm that fired and cleared again during the soak counts (its history says so), though no
 * release held the environment to roll back and the alarm reads OK now.
 */
async function failOnSoakEpisodes(input: Input, p: CheckAlarmsPorts): Promise<void> {
  const { environment, release } = input;
  if (environment.alarms.length === 0) return;
  const record = await p.releases().get(release.id, environment.name);
  // From promotion on, an alarm in a release that still succeeded is one nothing acted on (the
  // watch ended before it, or its event came after Complete freed the environment); a minute
  // earlier still, for the skew between this function's clock and CloudWatch's timestamps.
  const promotedAt = record?.promotedAt ?? record?.endedAt;
  const from = promotedAt ? Date.parse(promotedAt) : p.now().getTime() - input.bakeSeconds * 1000;
  const since = new Date(from - CLOCK_SKEW_MS);
  const episodes = await p
    .alarms(accessScope(environment.name, release.id))
    .alarmedSince(environment.alarms, since);
  if (episodes.length === 0) return;
  const names = [...new Set(episodes.map((e) => e.name))];
  const reason = episodes
    .map((e) => `${e.name} went into ALARM at ${e.at} during the soak${e.reason ? ` (${e.reason})` : ''}`)
    .join('; ');
  throw new AlarmFiredError(names, reason);
}
