import { loadConfig } from '../../embedded/config.js';
import { createApp } from '../../embedded/server.js';
import type { Approval } from '../../functions/shared/domain/approval.js';
import { Scenario, shaOf } from './harness.js';

const TOKEN = 'test-api-token';

let scenario: Scenario | undefined;
afterEach(async () => {
  await scenario?.close();
  scenario = undefined;
});

async function pendingApproval(s: Scenario): Promise<Approval> {
  for (;;) {
    const found = (await s.runtime.ports.approvals().list()).find((a) => a.status === 'pending' && a.message);
    if (found) return found;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('Scenario: the example config, unchanged, on the embedded runtime', () => {
  it('promotes an approved hotfix in prod, whose minHealthyTargets is 2', async () => {
    // Prepare: sluice.config.yaml as `sluice serve` and `npm start` read it
    const config = loadConfig('sluice.config.yaml');
    const prod = config.environments.find((e) => e.name === 'prod')!;
    expect(prod.minHealthyTargets).toBe(2);
    scenario = await Scenario.start({ config });
    const app = createApp(scenario.runtime, { apiToken: TOKEN });

    // Act: the hotfix route goes to prod alone; prod waits for a Slack approval
    const pushed = await scenario.push(shaOf('hotfix-example'), undefined, 'hotfix/payment');
    const approval = await pendingApproval(scenario);
    const click = await app.request(`/api/approvals/${approval.id}/approve`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-sluice-token': TOKEN },
      body: '{}',
    });
    const execution = await scenario.settle(pushed);

    // Assess
    expect(await click.json()).toMatchObject({ status: 200, said: [] });
    const record = await scenario.runtime.ports.releases().get(pushed.releaseId, 'prod');
    expect(record?.cause?.message).toBeUndefined();
    expect(execution.status).toBe('SUCCEEDED');
    expect(record?.status).toBe('succeeded');
    expect(record?.history.map((h) => h.event)).toContain('promoted');
    expect(scenario.runtime.alb.readWeights(prod.listenerArn)).toEqual({
      [prod.targetGroups.blue]: 0,
      [prod.targetGroups.green]: 100,
    });
    expect(await scenario.runtime.alb.healthyTargets(prod.targetGroups.green)).toHaveLength(2);
  });
});
