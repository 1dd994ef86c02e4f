import { createHmac } from 'node:crypto';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { MemoryPushLog } from '../../embedded/adapters/memory-push-log.js';
import { MemoryReleaseStore } from '../../embedded/adapters/memory-release-store.js';
import { createGithubWebhookHandler } from '../../functions/github-webhook/github-webhook.js';
import { routeTag } from '../../functions/shared/domain/execution-name.js';
import type { PipelineInput } from '../../functions/shared/domain/release.js';
import { setLogSink } from '../../functions/shared/log.js';
import type {
  ExecutionStatus,
  Orchestrator,
  SecretName,
  Secrets,
  StartResult,
} from '../../functions/shared/ports/index.js';
import { exampleConfig } from '../support/config.js';
import { fixtureBody, type GithubFixture } from '../support/github.js';
import { fixedClock, NOW } from '../support/ports.js';

const SECRET = "It's a Secret to Everybody: 7f3a9c1e5b";
const SHA = '6113728f27ae82c7b1a177c8d03f9e96e0adf246';
const ROUTE = { route: 'release/*, main', environments: ['dev', 'staging', 'prod'] };
const TAG = routeTag({ name: ROUTE.route, environments: ROUTE.environments });
const DEV_EXECUTION = `dev-acme-checkout-${TAG}-${SHA}`;
const PIPELINE = `pipeline-acme-checkout-${TAG}-${SHA}`;

const unused = async (): Promise<never> => {
  throw new Error('not used by the webhook');
};

/**
 * The Orchestrator port as Step Functions answers the webhook: a name is taken by any execution,
 * running or closed, and starting it again starts nothing ("exists"). What the SFN adapter sends
 * for these calls: test/aws/sfn-orchestrator.test.ts.
 */
class FakeOrchestrator implements Orchestrator {
  /** Each execution by name, with its status. */
  readonly executions = new Map<string, ExecutionStatus>();
  /** Every pipeline the webhook asked to start, started or not. */
  readonly asked: PipelineInput[] = [];
  readonly statusAsks: { executionName: string; machine: string | undefined }[] = [];
  failStart: Error | undefined;
  startRelease = unused;
  stopExecution = unused;
  sendTaskSuccess = unused;
  sendTaskFailure = unused;
  describeExecution = unused;

  async startPipeline(input: PipelineInput): Promise<StartResult> {
    this.asked.push(structuredClone(input));
    if (this.failStart) throw this.failStart;
    const name = input.pipeline.executionName;
    if (this.executions.has(name)) return { started: false, reason: 'exists' };
    this.executions.set(name, 'RUNNING');
    return {
      started: true,
      executionArn: `arn:aws:states:us-east-1:123456789012:execution:sluice-pipeline:${name}`,
    };
  }

  async executionStatus(executionName: string, machine?: 'release' | 'pipeline') {
    this.statusAsks.push({ executionName, machine });
    return this.executions.get(executionName);
  }
}

/** The Secrets port, holding the webhook secret; counts reads, and fails them when told to. */
class FakeSecrets implements Secrets {
  readonly reads: SecretName[] = [];
  failure: Error | undefined;

  async get(name: SecretName): Promise<string> {
    this.reads.push(name);
    if (this.failure) throw this.failure;
    if (name !== 'github-webhook') throw new Error(`no secret ${name}`);
    return SECRET;
  }

  reread(name: SecretName): Promise<string> {
    return this.get(name);
  }
}

const sign = (body: string, secret = SECRET) =>
  `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;

interface Delivery {
  event: string;
  body: string;
  headers?: Record<string, string>;
  delivery?: string;
  signature?: string | null;
  base64?: boolean;
}

/** What a Lambda Function URL hands the handler for a GitHub delivery (headers lower-cased). */
function functionUrlEvent({
  event,
  body,
  headers = {},
  delivery,
  signature,
  base64 = false,
}: Delivery): APIGatewayProxyEventV2 {
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: '/',
    rawQueryString: '',
    headers: {
      accept: '*/*',
      'content-type': 'application/json',
      'user-agent': 'GitHub-Hookshot/a1b2c3d',
      'x-github-event': event,
      'x-github-delivery': delivery ?? '72d3162e-cc78-11e3-81ab-4c9367dc0958',
      'x-github-hook-id': '292430182',
      ...(signature === null ? {} : { 'x-hub-signature-256': signature ?? sign(body) }),
      ...headers,
    },
    requestContext: {
      accountId: 'anonymous',
      apiId: 'abcdefghijklmnopqrstuvwxyz',
      domainName: 'abcdefghijklmnopqrstuvwxyz.lambda-url.us-east-1.on.aws',
      domainPrefix: 'abcdefghijklmnopqrstuvwxyz',
      http: {
        method: 'POST',
        path: '/',
        protocol: 'HTTP/1.1',
        sourceIp: '140.82.115.1',
        userAgent: 'GitHub-Hookshot/a1b2c3d',
      },
      requestId: 'b2d2f5a1-0000-4000-8000-000000000000',
      routeKey: '$default',
      stage: '$default',
      time: '23/Nov/2026:09:00:00 +0000',
      timeEpoch: 1795424400000,
    },
    body: base64 ? Buffer.from(body).toString('base64') : body,
    isBase64Encoded: base64,
  };
}

let orchestrator: FakeOrchestrator;
let secrets: FakeSecrets;
let pushes: MemoryPushLog;

const deliver = async (delivery: Delivery) =>
  (await createGithubWebhookHandler({
    config: exampleConfig,
    secrets: () => secrets,
    orchestrator: () => orchestrator,
    releases: () => new MemoryReleaseStore(),
    pushes: () => pushes,
    now: fixedClock,
  })(functionUrlEvent(delivery), {} as Context)) as APIGatewayProxyStructuredResultV2;
const push = (name: GithubFixture, extra: Partial<Delivery> = {}) =>
  deliver({ event: 'push', body: fixtureBody(name), ...extra });
const bodyOf = (response: APIGatewayProxyStructuredResultV2) => JSON.parse(String(response.body));

describe('Handler: github-webhook', () => {
  const logs: string[] = [];
  let previousSink: (line: string) => void;
  let previousLevel: string | undefined;

  beforeEach(() => {
    orchestrator = new FakeOrchestrator();
    secrets = new FakeSecrets();
    pushes = new MemoryPushLog();
    logs.length = 0;
    previousLevel = process.env.SLUICE_LOG_LEVEL;
    process.env.SLUICE_LOG_LEVEL = 'debug';
    previousSink = setLogSink((line) => logs.push(line));
  });

  afterEach(() => {
    setLogSink(previousSink);
    if (previousLevel === undefined) delete process.env.SLUICE_LOG_LEVEL;
    else process.env.SLUICE_LOG_LEVEL = previousLevel;
    // The secret never leaves the process: not in a log line, whatever the test did.
    expect(logs.join('\n')).not.toContain(SECRET);
  });

  describe('a signed push to a release branch', () => {
    it("starts exactly one pipeline execution for the route's environments and answers 202", async () => {
      // Act
      const response = await push('push-release-branch');

      // Assess
      expect(response.statusCode).toBe(202);
      expect(bodyOf(response)).toEqual({
        releaseId: 'checkout-6113728f27ae',
        attempt: 1,
        ...ROUTE,
        executionName: PIPELINE,
        started: true,
      });
      expect(orchestrator.asked).toHaveLength(1);
      const [input] = orchestrator.asked as [PipelineInput];
      expect(input.pipeline).toMatchObject({ executionName: PIPELINE, route: { name: ROUTE.route } });
      expect(input.stages.map((s) => s.name)).toEqual(['dev', 'staging', 'prod']);
      expect(input.stages[0]).toMatchObject({
        executionName: DEV_EXECUTION,
        soakSeconds: 60,
        input: {
          executionName: DEV_EXECUTION,
          release: {
            id: 'checkout-6113728f27ae',
            sha: SHA,
            branch: 'release/1.4',
            deliveryId: expect.any(String),
            attempt: 1,
          },
          environment: { name: 'dev' },
          steps: [
            { index: 0, weight: 10, bakeSeconds: 60 },
            { index: 1, weight: 50, bakeSeconds: 900 },
            { index: 2, weight: 100, bakeSeconds: 60 },
          ],
        },
      });
      expect(JSON.stringify(input)).not.toContain(SECRET);
      expect(response.body).not.toContain(SECRET);
    });

    it('reads a base64-encoded body, verifying the signature over the decoded bytes', async () => {
      // Act
      const response = await push('push-release-branch', { base64: true });

      // Assess
      expect(response.statusCode).toBe(202);
      expect(orchestrator.asked).toHaveLength(1);
    });

    it('reads headers whatever their case', async () => {
      // Prepare
      const body = fixtureBody('push-release-branch');

      // Act
      const response = await deliver({
        event: 'push',
        body,
        signature: null,
        headers: { 'X-Hub-Signature-256': sign(body) },
      });

      // Assess
      expect(response.statusCode).toBe(202);
    });
  });

  describe('a delivery that arrives twice', () => {
    it('treats a redelivery of the same delivery id as a duplicate, not an error', async () => {
      // Act: the first delivery's pipeline is still running when GitHub redelivers
      const first = await push('push-release-branch', { delivery: 'delivery-a' });
      const again = await push('push-release-branch', { delivery: 'delivery-a' });

      // Assess
      expect(first.statusCode).toBe(202);
      expect(again.statusCode).toBe(200);
      expect(bodyOf(again)).toEqual({
        releaseId: 'checkout-6113728f27ae',
        attempt: 1,
        ...ROUTE,
        executionName: PIPELINE,
        started: false,
        duplicate: true,
        status: 'RUNNING',
      });
    });

    it('answers a redelivery (same delivery id) of a push whose pipeline succeeded as a duplicate', async () => {
      // Act
      await push('push-release-branch', { delivery: 'delivery-a' });
      orchestrator.executions.set(PIPELINE, 'SUCCEEDED');
      const redelivered = await push('push-release-branch', { delivery: 'delivery-a' });

      // Assess
      expect(redelivered.statusCode).toBe(200);
      expect(bodyOf(redelivered)).toMatchObject({ duplicate: true, started: false, status: 'SUCCEEDED' });
      expect(orchestrator.asked.map((i) => i.pipeline.executionName)).toEqual([PIPELINE, PIPELINE]);
    });

    // StartExecution refuses a name used in the last 90 days, "regardless of input" once the
    // execution closed (StartExecution API reference), and X-GitHub-Delivery names the event, so a
    // new id is a new push: the branch came back to the commit, e.g. a force push to roll back (R6).
    it('starts the next attempt for a new push (another delivery id) of a commit whose pipeline succeeded', async () => {
      // Act
      await push('push-release-branch', { delivery: 'delivery-a' });
      orchestrator.executions.set(PIPELINE, 'SUCCEEDED');
      const pushedAgain = await push('push-release-branch', { delivery: 'delivery-b' });

      // Assess
      expect(pushedAgain.statusCode).toBe(202);
      expect(bodyOf(pushedAgain)).toMatchObject({
        started: true,
        attempt: 2,
        executionName: `${PIPELINE}-a2`,
      });
    });

    it('answers a new push of a commit whose pipeline still runs with that pipeline', async () => {
      // Act
      await push('push-release-branch', { delivery: 'delivery-a' });
      const pushedAgain = await push('push-release-branch', { delivery: 'delivery-b' });

      // Assess
      expect(pushedAgain.statusCode).toBe(200);
      expect(bodyOf(pushedAgain)).toMatchObject({
        duplicate: true,
        status: 'RUNNING',
        executionName: PIPELINE,
      });
    });
  });

  describe('the push log', () => {
    // Deliveries (and the executions they start) arrive in no guaranteed order; the push's own
    // `before` ("the SHA of the most recent commit on ref before the push") and
    // `repository.pushed_at` (Unix seconds in push events) let BeginRelease order them.
    it('records the push (branch, before, after, pushed_at) before it starts the pipeline', async () => {
      // Act
      await push('push-release-branch', { delivery: 'delivery-a' });

      // Assess
      expect(await pushes.get('release/1.4', '6113728f27ae82c7b1a177c8d03f9e96e0adf246')).toEqual({
        branch: 'release/1.4',
        sha: '6113728f27ae82c7b1a177c8d03f9e96e0adf246',
        before: '0'.repeat(40),
        pushedAt: 1557933657,
        receivedAt: NOW,
        deliveryId: 'delivery-a',
      });
      expect(orchestrator.asked[0]?.pipeline.release).toMatchObject({
        before: '0'.repeat(40),
        pushedAt: 1557933657,
      });
    });

    it('keeps the first receipt of a redelivered push', async () => {
      // Act
      await push('push-release-branch', { delivery: 'delivery-a' });
      await push('push-release-branch', { delivery: 'delivery-a' });

      // Assess
      expect(await pushes.get('release/1.4', '6113728f27ae82c7b1a177c8d03f9e96e0adf246')).toMatchObject({
        deliveryId: 'delivery-a',
        receivedAt: NOW,
      });
    });

    it('still starts the release when the push log cannot be written (GitHub would not redeliver a 500)', async () => {
      // Prepare
      pushes.record = async () => {
        throw Object.assign(new Error('Rate exceeded'), { name: 'ProvisionedThroughputExceededException' });
      };

      // Act
      const response = await push('push-release-branch', { delivery: 'delivery-a' });

      // Assess
      expect(response.statusCode).toBe(202);
      expect(orchestrator.asked).toHaveLength(1);
      expect(logs.some((line) => line.includes('push not recorded'))).toBe(true);
    });

    it('records nothing for a push that is not a release', async () => {
      // Prepare
      const recorded: unknown[] = [];
      pushes.record = async (push) => {
        recorded.push(push);
        return true;
      };

      // Act
      await push('push-tag');
      await push('push-delete');

      // Assess
      expect(recorded).toEqual([]);
    });
  });

  describe('a re-push of a commit whose last attempt did not succeed', () => {
    // StartExecution: "When the original execution is closed, the ExecutionAlreadyExists message is
    // returned regardless of input", and a name stays taken for 90 days (StartExecution API reference).
    it.each(['FAILED', 'ABORTED', 'TIMED_OUT'] as const)(
      'starts attempt 2 under a suffixed name after attempt 1 ended %s',
      async (status) => {
        // Prepare
        orchestrator.executions.set(PIPELINE, status);

        // Act
        const response = await push('push-release-branch', { delivery: 'delivery-c' });

        // Assess
        expect(response.statusCode).toBe(202);
        expect(bodyOf(response)).toMatchObject({
          started: true,
          attempt: 2,
          executionName: `${PIPELINE}-a2`,
        });
        const names = orchestrator.asked.map((i) => i.pipeline.executionName);
        expect(names).toEqual([PIPELINE, `${PIPELINE}-a2`]);
        const input = orchestrator.asked[1]!;
        expect(input.stages[0]?.executionName).toBe(`${DEV_EXECUTION}-a2`);
        expect(input.pipeline.release.attempt).toBe(2);
        expect(orchestrator.statusAsks[0]).toEqual({ executionName: PIPELINE, machine: 'pipeline' });
      },
    );
  });

  describe('a signed delivery that is not a release', () => {
    it('answers a ping with 200', async () => {
      // Act
      const response = await deliver({ event: 'ping', body: fixtureBody('ping') });

      // Assess
      expect(response.statusCode).toBe(200);
      expect(bodyOf(response)).toEqual({ ok: true, event: 'ping' });
      expect(orchestrator.asked).toHaveLength(0);
    });

    it.each<[string, GithubFixture, string, string | undefined]>([
      [
        'a tag push',
        'push-tag',
        'refs/tags/simple-tag is not a branch (tag pushes are not releases)',
        undefined,
      ],
      ['a branch deletion', 'push-delete', 'branch release/1.3 was deleted', undefined],
      [
        'a push to another branch',
        'push-release-branch',
        'branch feature/login matches no route (release/*, main; hotfix/*)',
        'refs/heads/feature/login',
      ],
    ])('ignores %s with 202 and the reason', async (_what, name, reason, ref) => {
      // Prepare
      const body = ref ? JSON.stringify({ ...JSON.parse(fixtureBody(name)), ref }) : fixtureBody(name);

      // Act
      const response = await deliver({ event: 'push', body });

      // Assess
      expect(response.statusCode).toBe(202);
      expect(bodyOf(response)).toEqual({ ignored: true, reason });
      expect(orchestrator.asked).toHaveLength(0);
    });

    it('ignores an event that is not a push', async () => {
      // Act
      const response = await deliver({ event: 'issues', body: '{"action":"opened"}' });

      // Assess
      expect(response.statusCode).toBe(202);
      expect(bodyOf(response)).toEqual({
        ignored: true,
        reason: 'event issues is not a push or a completed check',
      });
      expect(orchestrator.asked).toHaveLength(0);
    });

    it('rejects a push that is valid JSON but lacks ref or repository with 400', async () => {
      // Act
      const response = await deliver({ event: 'push', body: '{"zen":"Keep it logically awesome."}' });

      // Assess
      expect(response.statusCode).toBe(400);
      expect(orchestrator.asked).toHaveLength(0);
    });

    it('rejects malformed JSON with a valid signature with 400', async () => {
      // Act
      const response = await deliver({ event: 'push', body: '{"ref": "refs/heads/main",' });

      // Assess
      expect(response.statusCode).toBe(400);
      expect(bodyOf(response)).toEqual({ error: 'body is not valid JSON' });
      expect(orchestrator.asked).toHaveLength(0);
    });
  });

  describe('an unsigned or wrongly signed delivery', () => {
    it('rejects a delivery without a signature with 401, before reading the secret', async () => {
      // Act
      const response = await push('push-release-branch', { signature: null });

      // Assess
      expect(response.statusCode).toBe(401);
      expect(orchestrator.asked).toHaveLength(0);
      expect(secrets.reads).toHaveLength(0);
    });

    it('rejects a delivery signed only with SHA-1 (X-Hub-Signature) with 401', async () => {
      // Prepare
      const body = fixtureBody('push-release-branch');
      const sha1 = `sha1=${createHmac('sha1', SECRET).update(body).digest('hex')}`;

      // Act
      const response = await deliver({
        event: 'push',
        body,
        signature: null,
        headers: { 'x-hub-signature': sha1 },
      });

      // Assess
      expect(response.statusCode).toBe(401);
      expect(bodyOf(response)).toEqual({ error: 'missing X-Hub-Signature-256 (sha256) signature' });
      expect(orchestrator.asked).toHaveLength(0);
      expect(secrets.reads).toHaveLength(0);
    });

    it('rejects a delivery signed with another secret with 401', async () => {
      // Prepare
      const body = fixtureBody('push-release-branch');

      // Act
      const response = await deliver({ event: 'push', body, signature: sign(body, 'not-the-secret') });

      // Assess
      expect(response.statusCode).toBe(401);
      expect(bodyOf(response)).toEqual({ error: 'signature does not match' });
      expect(orchestrator.asked).toHaveLength(0);
    });

    it('rejects a body changed after signing with 401', async () => {
      // Prepare
      const body = fixtureBody('push-release-branch');
      const tampered = body.replace('refs/heads/release/1.4', 'refs/heads/release/1.5');

      // Act
      const response = await deliver({ event: 'push', body: tampered, signature: sign(body) });

      // Assess
      expect(response.statusCode).toBe(401);
      expect(orchestrator.asked).toHaveLength(0);
    });

    it('checks the signature before parsing: malformed JSON with a bad signature is 401, not 400', async () => {
      // Act
      const response = await deliver({
        event: 'push',
        body: '{"ref": ',
        signature: sign('{}', 'not-the-secret'),
      });

      // Assess
      expect(response.statusCode).toBe(401);
    });

    it('never puts the secret in a response, whatever the delivery', async () => {
      // Prepare
      const body = fixtureBody('push-release-branch');
      const deliveries: Delivery[] = [
        { event: 'push', body },
        { event: 'push', body, signature: sign(body, 'wrong') },
        { event: 'push', body, signature: null },
        { event: 'push', body: '{', signature: sign('{') },
        { event: 'ping', body: fixtureBody('ping') },
        { event: 'push', body: fixtureBody('push-tag') },
      ];

      // Act
      const responses = [];
      for (const delivery of deliveries) responses.push(await deliver(delivery));

      // Assess
      for (const response of responses) expect(JSON.stringify(response)).not.toContain(SECRET);
      expect(logs.length).toBeGreaterThan(0);
    });
  });

  describe('when a port fails', () => {
    it('answers 500 without details when the secret cannot be read', async () => {
      // Prepare
      secrets.failure = new Error('AccessDeniedException: not authorized');

      // Act
      const response = await push('push-release-branch');

      // Assess
      expect(response.statusCode).toBe(500);
      expect(orchestrator.asked).toHaveLength(0);
    });

    it('answers 500 so GitHub shows the delivery as failed when StartExecution fails', async () => {
      // Prepare
      orchestrator.failStart = new Error('ThrottlingException: Rate exceeded');

      // Act
      const response = await push('push-release-branch');

      // Assess
      expect(response.statusCode).toBe(500);
    });
  });
});
