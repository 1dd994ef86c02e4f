import { createApp } from '../../embedded/server.js';
import { Scenario, scenarioConfig, shaOf } from './harness.js';

const TOKEN = 'test-api-token';
const post = (app: ReturnType<typeof createApp>, path: string, body: unknown) =>
  app.request(path, {
    method: 'POST',
    headers: { 'x-sluice-token': TOKEN, 'content-type': 'application/json', host: '127.0.0.1' },
    body: JSON.stringify(body),
  });

let scenario: Scenario | undefined;
afterEach(async () => {
  await scenario?.close();
  scenario = undefined;
});

describe('Scenario: deploy windows and freezes', () => {
  // A freeze is a calendar date, not a duration: its Wait (TimestampPath) takes wall-clock time on
  // every clock, so the freeze here ends two seconds after the push, on the instant clock.
  it('holds a push made during a freeze before the environment, and starts it when the freeze ends', async () => {
    // Prepare: the runtime reads the config at each check, so the freeze is set once it runs
    const config = scenarioConfig();
    scenario = await Scenario.start({ config });
    const endsAt = new Date(Math.ceil(Date.now() / 1000) * 1000 + 2000);
    config.environments[0]!.freezes = [
      {
        from: '2026-01-01T00:00:00Z',
        to: endsAt.toISOString().replace('.000Z', 'Z'),
        reason: 'year-end freeze',
      },
    ];

    // Act
    const pushed = await scenario.push(shaOf('frozen'));
    const outcome = await scenario.settle(pushed);

    // Assess
    expect(outcome.pipeline.status).toBe('SUCCEEDED');
    const record = (await scenario.record(pushed.releaseId))!;
    expect(record.status).toBe('succeeded');
    // The environment's release began only once the freeze had ended.
    expect(Date.parse(record.startedAt)).toBeGreaterThanOrEqual(endsAt.getTime());
    const pipeline = (await scenario.runtime.ports.releases().pipelineOf(pushed.releaseId))!;
    const events = pipeline.history.map((h) => h.event);
    expect(events.indexOf('window_wait')).toBeGreaterThanOrEqual(0);
    expect(events.indexOf('window_wait')).toBeLessThan(events.indexOf('window_opened'));
    expect(events.indexOf('window_opened')).toBeLessThan(events.indexOf('stage_started'));
    expect(pipeline.history.find((h) => h.event === 'window_wait')?.detail).toMatch(
      /^dev waits: it is frozen: year-end freeze; it opens \w{3} \d{4}-\d\d-\d\d \d\d:\d\d UTC$/,
    );
    expect(pipeline.pipeline?.waiting).toBeUndefined();
  });

  it('stops the pipeline before the environment when the freeze outlasts maxWindowWait, naming why', async () => {
    // Prepare
    const config = scenarioConfig({
      freezes: [{ from: '2026-01-01', to: '2099-12-31', reason: 'forever' }],
      maxWindowWait: '1h',
    });
    scenario = await Scenario.start({ config });

    // Act
    const pushed = await scenario.push(shaOf('never'));
    const pipeline = await scenario.runtime.pipelines.wait(pushed.pipelineName);

    // Assess
    expect(pipeline.status).toBe('FAILED');
    expect(pipeline.cause).toMatch(
      /^stopped in dev: dev is frozen: forever; it opens .* later than its maxWindowWait \(1h\) allows$/,
    );
    expect(await scenario.record(pushed.releaseId)).toBeUndefined();
  });

  it('holds a push while an operator freezes the environment, and says so on the pipeline record', async () => {
    // Prepare: an open-ended operator freeze
    const config = scenarioConfig({ maxWindowWait: '1h' });
    scenario = await Scenario.start({ config });
    await scenario.runtime.ports.releases().startFreeze({
      environment: 'dev',
      reason: 'incident 42',
      by: 'alice',
      startedAt: new Date().toISOString(),
    });

    // Act
    const pushed = await scenario.push(shaOf('held'));
    // The first check announces the wait; the next is five minutes later: stop the pipeline here.
    for (let i = 0; i < 100; i++) {
      const record = await scenario.runtime.ports.releases().pipelineOf(pushed.releaseId);
      if (record?.pipeline?.waiting) break;
      await new Promise((r) => setTimeout(r, 20));
    }

    // Assess
    const pipeline = (await scenario.runtime.ports.releases().pipelineOf(pushed.releaseId))!;
    expect(pipeline.pipeline?.waiting).toMatchObject({
      environment: 'dev',
      reason: 'frozen by alice: incident 42',
    });
    expect(pipeline.pipeline?.waiting?.until).toBeUndefined();
    expect(await scenario.record(pushed.releaseId)).toBeUndefined();
    scenario.runtime.pipelines.stop(pushed.pipelineName, 'Test', 'the test is over');
  });

  it('lets a route that passes freezes through a freeze', async () => {
    // Prepare
    const frozen = scenarioConfig({ freezes: [{ from: '2026-01-01', to: '2099-12-31', reason: 'forever' }] });
    const config = {
      ...frozen,
      routes: [{ branches: ['release/*'], environments: ['dev'], buildTimeout: 3600, passFreezes: true }],
    };
    scenario = await Scenario.start({ config });

    // Act
    const outcome = await scenario.release(shaOf('hotfix'));

    // Assess
    expect(outcome.execution.pipeline.status).toBe('SUCCEEDED');
    expect(outcome.record.status).toBe('succeeded');
  });

  it('freezes and unfreezes an environment through the local API, recorded with who and why', async () => {
    // Prepare
    scenario = await Scenario.start();
    const app = createApp(scenario.runtime, { apiToken: TOKEN });
    const until = new Date(Math.ceil(Date.now() / 1000) * 1000 + 2000).toISOString();

    // Act: a freeze that ends by itself two seconds from now, then a push
    const started = await post(app, '/api/environments/dev/freeze', {
      by: 'ana',
      reason: 'incident 7',
      until,
    });
    const pushed = await scenario.push(shaOf('after-the-freeze'));
    const outcome = await scenario.settle(pushed);
    const refused = await post(app, '/api/environments/prod/freeze', { by: 'ana', reason: 'x' });
    const second = await post(app, '/api/environments/dev/freeze', { by: 'bo', reason: 'incident 8' });
    const ended = await post(app, '/api/environments/dev/unfreeze', { by: 'cy' });

    // Assess
    expect(started.status).toBe(200);
    expect(await started.json()).toMatchObject({
      freeze: { environment: 'dev', by: 'ana', reason: 'incident 7', until },
    });
    expect(outcome.pipeline.status).toBe('SUCCEEDED');
    const record = (await scenario.record(pushed.releaseId))!;
    expect(Date.parse(record.startedAt)).toBeGreaterThanOrEqual(Date.parse(until));
    const pipeline = (await scenario.runtime.ports.releases().pipelineOf(pushed.releaseId))!;
    expect(pipeline.history.find((h) => h.event === 'window_wait')?.detail).toMatch(
      /^dev waits: it is frozen by ana: incident 7; it opens /,
    );
    expect(refused.status).toBe(409);
    expect(second.status).toBe(200);
    expect(await ended.json()).toMatchObject({ ended: { by: 'bo', reason: 'incident 8', endedBy: 'cy' } });
    expect(await scenario.runtime.ports.releases().activeFreeze('dev', new Date())).toBeUndefined();
  });
});
