import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { DynamoDBDocumentClient, GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { timelineOf } from '../../cli/commands/timeline.js';
import { startLoad } from '../../embedded/load.js';
import { createApp, listen, type RunningServer } from '../../embedded/server.js';
import { configDigest } from '../../functions/shared/domain/config.js';
import { SCALED, Scenario, shaOf } from '../scenarios/harness.js';
import { runCli } from '../support/cli.js';
import { EXAMPLE_CONFIG_FILE, exampleConfig } from '../support/config.js';
import { FakeReleaseTable } from '../support/lambda.js';
import { recordOf, releaseInput } from '../support/release.js';

const TOKEN = 'timeline-test-token';
const SNAKE = /\b(rolled_back|idle_attached|approval_requested|traffic_restored|shifted|promoted)\b/;

describe('Command: sluice timeline against `sluice serve`', () => {
  let scenario: Scenario;
  let server: RunningServer;
  let releaseId: string;

  beforeAll(async () => {
    // A release on the scaled clock (each bake 1 s) with 200 requests a second through the listener.
    scenario = await Scenario.start({ timeScale: SCALED });
    server = await listen(createApp(scenario.runtime, { apiToken: TOKEN }));
    const load = startLoad({ url: scenario.runtime.listenerUrls.dev ?? '', ratePerSecond: 200 });
    try {
      const released = await scenario.release(shaOf('timeline-cli'));
      releaseId = released.releaseId;
      expect(released.record.status).toBe('succeeded');
    } finally {
      await load.stop();
    }
  }, 60_000);

  afterAll(async () => {
    await server?.close();
    await scenario?.close();
  });

  it("draws the weight from the steps and both versions' traffic from the embedded ALB", async () => {
    // Act
    const view = await timelineOf(releaseId, { url: server.url, config: 'unused', apiToken: TOKEN });

    // Assess
    const { timeline } = view;
    expect(timeline.source).toBe('load-balancer');
    expect(timeline.weight.map((p) => p.value)).toEqual([0, 25, 100]);
    const [fresh, previous] = timeline.versions;
    expect(fresh).toMatchObject({ group: 'green', role: 'new' });
    expect(previous).toMatchObject({ group: 'blue', role: 'previous' });
    // Both groups answered requests: the new one only after the first shift.
    expect(Math.max(...(fresh?.requestRate ?? []).map((p) => p.value))).toBeGreaterThan(0);
    expect(Math.max(...(previous?.requestRate ?? []).map((p) => p.value))).toBeGreaterThan(0);
    const firstShift = timeline.weight[1]?.at ?? 0;
    const before = (fresh?.requestRate ?? []).filter((p) => p.at <= firstShift - 500);
    expect(before.every((p) => p.value === 0)).toBe(true);
    expect(timeline.markers.map((m) => m.kind)).toContain('promoted');
    expect(view.svg).toContain('data-series="requests-green"');
    expect(view.svg).not.toContain('arn:');
  });

  it('serves the history in words on /api/releases, never an ARN or an event name', async () => {
    // Act
    const response = await fetch(`${server.url}/api/releases`, { headers: { 'x-sluice-token': TOKEN } });
    const { releases } = (await response.json()) as {
      releases: { id: string; environments: { statusText: string; words: { text: string }[] }[] }[];
    };

    // Assess
    const env = releases.find((r) => r.id === releaseId)?.environments[0];
    expect(env?.statusText).toBe('succeeded');
    const text = env?.words.map((w) => w.text).join('\n') ?? '';
    expect(text).toMatch(/Shifted 25% to the new version; the listener serves green 25% \/ blue 75%/);
    expect(text).not.toContain('arn:');
    expect(text).not.toMatch(SNAKE);
  });

  it('answers 404 for a release it does not know', async () => {
    const response = await fetch(`${server.url}/api/releases/nope/timeline`, {
      headers: { 'x-sluice-token': TOKEN },
    });
    expect(response.status).toBe(404);
  });
});

describe('Command: sluice timeline --stack (a deployed Sluice, from the release table)', () => {
  const cfn = mockClient(CloudFormationClient);
  const sts = mockClient(STSClient);
  const dynamo = mockClient(DynamoDBDocumentClient);
  const input = releaseInput('dev');
  const { blue, green } = input.environment.targetGroups;
  const at = (s: number) => new Date(Date.parse('2026-01-01T00:00:00.000Z') + s * 1000).toISOString();

  beforeEach(() => {
    for (const client of [cfn, sts, dynamo]) client.reset();
    cfn.on(DescribeStacksCommand).resolves({
      Stacks: [
        {
          StackName: 'Sluice-checkout',
          CreationTime: new Date(),
          StackStatus: 'UPDATE_COMPLETE',
          Outputs: [
            {
              OutputKey: 'StateMachineArn',
              OutputValue: 'arn:aws:states:us-east-1:123456789012:stateMachine:x',
            },
            { OutputKey: 'ReleaseTableName', OutputValue: 'Sluice-checkout-ReleaseTable' },
            { OutputKey: 'ConfigDigest', OutputValue: configDigest(exampleConfig()) },
          ],
        },
      ],
    });
    sts.on(GetCallerIdentityCommand).resolves({ Arn: 'arn:aws:sts::123456789012:assumed-role/Ops/alice' });
    const table = new FakeReleaseTable();
    dynamo.on(GetCommand).callsFake(table.get);
    dynamo.on(QueryCommand).callsFake((q: { ExpressionAttributeValues: { ':pk': string } }) => ({
      Items: [...table.items.values()].filter((item) => item.pk === q.ExpressionAttributeValues[':pk']),
      $metadata: {},
    }));
    // A canary the analysis failed: its evidence holds both groups' counts since the first shift.
    table.putRecord(
      recordOf(input, {
        status: 'rolled_back',
        endedAt: at(130),
        restoredAt: at(130),
        steps: [{ index: 0, weight: 10, observed: { [green]: 10, [blue]: 90 }, at: at(10) }],
        history: [
          { at: at(0), event: 'started' },
          { at: at(5), event: 'idle_attached' },
          { at: at(10), event: 'shifted', detail: '10% on the new version' },
          {
            at: at(120),
            event: 'analysis',
            detail:
              'fail: canary 3% 5xx (33/1,100) vs baseline 0.1% (10/9,900), regression +2.9 points > 0.5 points allowed, p = < 0.0001',
          },
          { at: at(130), event: 'rolled_back', detail: 'CanaryRegressionError: canary 3% 5xx' },
        ],
      }),
    );
  });

  it('writes the SVG from the record: weights, the analysis verdict and the traffic it counted', async () => {
    // Prepare
    const file = join(mkdtempSync(join(tmpdir(), 'sluice-timeline-')), 'release.svg');

    // Act
    const { code, output } = await runCli(
      'timeline',
      input.release.id,
      '--env',
      'dev',
      '--svg',
      file,
      '--stack',
      'Sluice-checkout',
      '-c',
      EXAMPLE_CONFIG_FILE,
      '--region',
      'us-east-1',
    );

    // Assess
    expect(code).toBe(0);
    expect(output).toMatch(/in dev: 2 markers, traffic as the canary analysis counted it/);
    expect(output).toMatch(
      /00:00:10 UTC {2}Shifted 10% to the new version; the listener serves green 10% \/ blue 90%/,
    );
    const svg = readFileSync(file, 'utf8');
    expect(svg).toMatch(/^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    expect(svg).toContain('data-series="weight"');
    expect(svg).toContain('data-series="errors-green"');
    expect(svg).toContain('data-verdict="fail"');
    expect(svg).not.toContain('arn:');
    expect(output).not.toContain('arn:');
  });

  it('exits 1 when the table has no such release', async () => {
    const { code, output } = await runCli(
      'timeline',
      'nope',
      '--stack',
      'Sluice-checkout',
      '-c',
      EXAMPLE_CONFIG_FILE,
      '--region',
      'us-east-1',
    );

    expect(code).toBe(1);
    expect(output).toContain('no release nope in stack Sluice-checkout');
  });
});
