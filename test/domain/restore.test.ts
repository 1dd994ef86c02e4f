import type { ReleaseRecord } from '../../functions/shared/domain/release.js';
import { groupToRestore, listenerDrift, recordedWeights } from '../../functions/shared/domain/restore.js';

const groups = { blue: 'tg/blue', green: 'tg/green' };
const blueLive = { live: groups.blue, idle: groups.green };
const greenLive = { live: groups.green, idle: groups.blue };
const step = { index: 0, weight: 30, observed: {}, at: '2026-01-01T00:00:00Z' };

/** A record of dev with only the fields these decisions read. */
const record = (releaseId: string, overrides: Partial<ReleaseRecord>): ReleaseRecord =>
  ({
    releaseId,
    environment: 'dev',
    status: 'succeeded',
    steps: [],
    history: [],
    ...overrides,
  }) as ReleaseRecord;

describe('Function: groupToRestore', () => {
  it('names the group the last succeeded release made live, past the crashed release that began from it', () => {
    // Prepare: newest first — r3 crashed mid-shift from green, which r2 made live
    const records = [
      record('r3', { status: 'in_progress', targets: greenLive, steps: [step] }),
      record('r2', { targets: blueLive }),
      record('r1', { targets: greenLive }),
    ];

    // Act
    const choice = groupToRestore(records, groups);

    // Assess
    expect(choice).toEqual({
      kind: 'restore',
      side: 'green',
      group: groups.green,
      why: 'release r2 made it live',
    });
  });

  it('asks for the group when no succeeded release is in the records', () => {
    const choice = groupToRestore(
      [record('r1', { status: 'failed', targets: blueLive, steps: [step] })],
      groups,
    );

    expect(choice).toMatchObject({ kind: 'ask', why: expect.stringContaining('no succeeded release') });
  });

  it('asks for the group when a newer release began from the other group than the succeeded one made live', () => {
    // Prepare: r2 made green live, yet r3 began with blue live: something moved it in between
    const records = [
      record('r3', { status: 'in_progress', targets: blueLive, steps: [step] }),
      record('r2', { targets: blueLive }),
    ];

    const choice = groupToRestore(records, groups);

    expect(choice).toMatchObject({ kind: 'ask', why: expect.stringContaining('r3 began with tg/blue') });
  });

  it('takes the operator’s side over the records', () => {
    const choice = groupToRestore([record('r2', { targets: blueLive })], groups, 'blue');

    expect(choice).toEqual({ kind: 'restore', side: 'blue', group: groups.blue, why: '--to blue' });
  });

  it('ignores records that never touched the listener (no targets)', () => {
    const records = [record('r4', { status: 'failed' }), record('r2', { targets: blueLive })];

    expect(groupToRestore(records, groups)).toMatchObject({ kind: 'restore', side: 'green' });
  });
});

describe('Function: listenerDrift', () => {
  it('says nothing when the listener serves what the last promotion recorded', () => {
    const drift = listenerDrift(
      { [groups.blue]: 0, [groups.green]: 100 },
      [record('r2', { targets: blueLive })],
      groups,
    );

    expect(drift).toBeUndefined();
  });

  it('flags a listener reset behind the last promotion, naming the release and both weights', () => {
    // Terraform or CloudFormation rewrote the default action from its own state (review H3)
    const drift = listenerDrift(
      { [groups.blue]: 100, [groups.green]: 0 },
      [record('r2', { targets: blueLive })],
      groups,
    );

    expect(drift).toBe(
      'the listener serves blue 100 / green 0, but release r2 recorded blue 0 / green 100: something else — Terraform, CloudFormation — may own this listener',
    );
  });

  it('expects the restored group after a rollback, and the live one after an ending before any shift', () => {
    const restored = record('r3', {
      status: 'rolled_back',
      targets: greenLive,
      steps: [step],
      restoredAt: 'x',
      restoredTo: groups.blue,
    });
    const rejected = record('r4', { status: 'rejected', targets: blueLive });

    expect(recordedWeights([restored])?.weights).toEqual({ [groups.blue]: 100, [groups.green]: 0 });
    expect(recordedWeights([rejected])?.weights).toEqual({ [groups.blue]: 100, [groups.green]: 0 });
  });

  it('expects nothing of a release that ended mid-shift without a restore it read back', () => {
    const crashed = record('r3', { status: 'failed', targets: blueLive, steps: [step] });

    expect(listenerDrift({ [groups.blue]: 70, [groups.green]: 30 }, [crashed], groups)).toBeUndefined();
  });
});
