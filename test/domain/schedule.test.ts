import { planRelease } from '../../functions/shared/domain/plan.js';
import { scheduleOf } from '../../functions/shared/domain/schedule.js';
import { exampleConfig } from '../support/config.js';
import { fixture } from '../support/github.js';

describe('Function: scheduleOf', () => {
  it('shows prod waiting for Monday 09:00 Berlin after a Thursday-evening push, with its approvers and timeout', () => {
    // Prepare
    const config = exampleConfig();
    const prod = config.environments.find((e) => e.name === 'prod')!;
    prod.windows = [{ days: ['mon-thu'], hours: '09:00-16:00', timeZone: 'Europe/Berlin' }];
    prod.maxWindowWait = 4 * 24 * 3600;
    const plan = planRelease(config, fixture('push-release-branch'));
    if (plan.kind !== 'release') throw new Error(plan.reason);

    // Act: pushed Thursday 2026-12-03 15:50 CET
    const schedule = scheduleOf(config, plan, new Date('2026-12-03T14:50:00Z'));

    // Assess
    expect(schedule.map((r) => [r.name, r.startsAt])).toEqual([
      ['dev', '2026-12-03T14:50:00.000Z'],
      ['staging', '2026-12-03T15:09:00.000Z'],
      ['prod', '2026-12-07T08:00:00.000Z'],
    ]);
    expect(schedule[2]).toMatchObject({
      reachesAt: '2026-12-03T15:28:00.000Z',
      wait: 'waits 88h 32m: outside its deploy windows; opens Mon 2026-12-07 09:00 Europe/Berlin',
      approval: { approvers: ['U024BE7LH'], timeoutSeconds: 14400 },
    });
    expect(schedule[0]?.approval).toBe('none');
  });

  it('says where the pipeline would stop when the wait passes maxWindowWait', () => {
    const config = exampleConfig();
    const prod = config.environments.find((e) => e.name === 'prod')!;
    prod.freezes = [{ from: '2026-12-01', to: '2026-12-31', reason: 'December' }];
    const plan = planRelease(config, fixture('push-release-branch'));
    if (plan.kind !== 'release') throw new Error(plan.reason);

    const [, , row] = scheduleOf(config, plan, new Date('2026-12-03T14:00:00Z'));

    expect(row?.startsAt).toBeUndefined();
    expect(row?.wait).toBe(
      'would stop here: frozen: December; opens Fri 2027-01-01 00:00 UTC, past maxWindowWait 1h',
    );
  });
});
