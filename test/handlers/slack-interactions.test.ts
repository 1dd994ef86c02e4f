import { readFileSync } from 'node:fs';
import { MemoryApprovalStore } from '../../embedded/adapters/approval-store.js';
import { InProcessDeferral } from '../../embedded/adapters/deferral.js';
import { MemoryReleaseStore } from '../../embedded/adapters/memory-release-store.js';
import { LocalSlack } from '../../embedded/adapters/slack.js';
import { lambdaContext } from '../../embedded/lambda-context.js';
import { formBody, interactionEvent, slackHeaders } from '../../embedded/slack-interaction.js';
import { type Approval, DEFERRED_MAX_EVENT_AGE_SECONDS } from '../../functions/shared/domain/approval.js';
import { newRecord } from '../../functions/shared/domain/records.js';
import { setLogSink } from '../../functions/shared/log.js';
import type { Deferral, DeferredSlackEvent, Orchestrator } from '../../functions/shared/ports/index.js';
import { sealDeferred, slackSignature } from '../../functions/shared/slack-signature.js';
import { createSlackInteractionsHandler } from '../../functions/slack-interactions/slack-interactions.js';
import { exampleConfig } from '../support/config.js';
import { blueLive, releaseInput } from '../support/release.js';
import { FakeLoadBalancer } from '../support/traffic.js';

/*
 * Slack's documented behaviour these tests hold the handler to:
 * - Signing (https://api.slack.com/authentication/verifying-requests-from-slack): X-Slack-Signature
 *   is `v0=` + hex HMAC-SHA256 of `v0:<X-Slack-Request-Timestamp>:<raw body>` with the signing
 *   secret; a timestamp more than five minutes from now is to be refused as a possible replay.
 * - Payload (https://docs.slack.dev/reference/interaction-payloads/block_actions-payload): a button
 *   click arrives form-encoded as `payload=<JSON>` with type block_actions, user, response_url and
 *   actions[].action_id/value; the fixture is that documented example with our action ids.
 * - Acknowledgement (https://docs.slack.dev/interactivity/handling-user-interaction): answer 200
 *   within 3 seconds; what the user should see goes through response_url (ephemeral or not).
 */

const SECRET = 'test-signing-secret';
const TOKEN = `AQCEAAAAKgAAAAMAAAAAAAAAA${'x'.repeat(600)}`; // Step Functions task tokens are long and opaque
const APPROVER = 'U024BE7LH';
const OTHER_APPROVER = 'U0G9QF9C6';
const GROUP = 'S0RELEASE';
const NOW = new Date('2026-11-30T12:00:00Z');
const nowSeconds = Math.floor(NOW.getTime() / 1000);

function fixture(approvalId: string, user = APPROVER, action = 'sluice_approve') {
  const payload = JSON.parse(
    readFileSync(new URL('../fixtures/slack/block_actions.json', import.meta.url), 'utf8'),
  );
  payload.user.id = user;
  payload.actions[0].value = approvalId;
  payload.actions[0].action_id = action;
  return payload;
}

class RecordingOrchestrator implements Orchestrator {
  readonly successes: { token: string; output: unknown }[] = [];
  readonly failures: { token: string; error: string; cause: string }[] = [];
  readonly stops: string[] = [];
  /** Tokens whose task is closed: sent once already, or timed out. */
  readonly closed = new Set<string>();
  /** Errors the next sends throw, in order (throttling, network). */
  readonly failNext: Error[] = [];
  /** Every send, delivered, closed or failed. */
  attempts = 0;
  async startRelease(): Promise<never> {
    throw new Error('not used');
  }
  async startPipeline(): Promise<never> {
    throw new Error('not used');
  }
  async stopExecution(name: string) {
    this.stops.push(name);
  }
  async sendTaskSuccess(token: string, output: unknown) {
    // Every decision takes a network round trip; concurrent clicks overlap here.
    await new Promise((resolve) => setTimeout(resolve, 5));
    return this.settle(token, () => this.successes.push({ token, output }));
  }
  async sendTaskFailure(token: string, error: string, cause: string) {
    return this.settle(token, () => this.failures.push({ token, error, cause }));
  }
  // SendTaskSuccess API reference: a token is closed once its task was settled or timed out (TaskTimedOut).
  private settle(token: string, record: () => void) {
    this.attempts++;
    const error = this.failNext.shift();
    if (error) throw error;
    if (this.closed.has(token)) return 'closed' as const;
    this.closed.add(token);
    record();
    return 'delivered' as const;
  }
  async executionStatus() {
    return 'RUNNING' as const;
  }
  async describeExecution() {
    return undefined;
  }
}

/**
 * How a click's action reaches its second invocation: `inline` runs it through the same handler
 * at once (the embedded runtime's InProcessDeferral); `queued` only keeps the events, as Lambda's
 * queue does until it invokes the function again; `unavailable` fails to queue (Invoke throttled).
 */
type DeferralMode = 'inline' | 'queued' | 'unavailable';

async function setup(approvalOverrides: Partial<Approval> = {}, mode: DeferralMode = 'inline') {
  const config = exampleConfig();
  const prod = config.environments.find((e) => e.name === 'prod')!;
  if (prod.approval.type === 'slack') prod.approval.approvers = [APPROVER, GROUP];
  const approvals = new MemoryApprovalStore();
  const releases = new MemoryReleaseStore(() => NOW);
  const slack = new LocalSlack({ [GROUP]: [OTHER_APPROVER] });
  const orchestrator = new RecordingOrchestrator();
  const input = releaseInput('prod');
  const { blue, green } = input.environment.targetGroups;
  const lb = new FakeLoadBalancer().serve(prod, { [blue]: 100, [green]: 0 });
  await releases.create(newRecord(input, NOW));
  const message = await slack.post('C0CA2JG7Y', { text: 'Approval needed', blocks: [] });
  const approval: Approval = {
    id: 'ap_test123',
    releaseId: input.release.id,
    environment: 'prod',
    executionName: input.executionName,
    service: input.release.service,
    version: input.release.version,
    channel: 'C0CA2JG7Y',
    status: 'pending',
    requestedAt: NOW.toISOString(),
    expiresAt: new Date(NOW.getTime() + 3600_000).toISOString(),
    message,
    ...approvalOverrides,
  };
  await approvals.create(approval, TOKEN);
  const queued: DeferredSlackEvent[] = [];
  const inline = new InProcessDeferral((event) => handler(event, lambdaContext('slack-interactions')));
  const deferral: Deferral = {
    defer: async (event) => {
      if (mode === 'unavailable')
        throw Object.assign(new Error('Rate exceeded'), { name: 'TooManyRequestsException' });
      if (mode === 'queued') queued.push(event);
      else await inline.defer(event);
    },
  };
  const handler = createSlackInteractionsHandler({
    config: () => config,
    secrets: () => ({ get: async () => SECRET, reread: async () => SECRET }),
    approvals: () => approvals,
    releases: () => releases,
    orchestrator: () => orchestrator,
    trafficRouter: lb.router,
    notifier: () => slack,
    deferral: () => deferral,
    now: () => NOW,
  });
  /** Lambda invoking the function with the queued events, as it does after the click was answered. */
  const runQueued = async () => {
    for (const event of queued.splice(0)) await handler(event, lambdaContext('slack-interactions'));
  };
  const send = (body: string, headers: Record<string, string>) =>
    handler(interactionEvent(body, headers), lambdaContext('slack-interactions'));
  const click = (user = APPROVER, action = 'sluice_approve', id = approval.id) => {
    const body = formBody(fixture(id, user, action));
    return send(body, slackHeaders(SECRET, body, nowSeconds));
  };
  return {
    approval,
    approvals,
    releases,
    slack,
    orchestrator,
    send,
    click,
    input,
    lb,
    prod,
    queued,
    runQueued,
  };
}

describe('Handler: slack-interactions', () => {
  let logs: string[];
  let restore: (line: string) => void;
  const previousLevel = process.env.SLUICE_LOG_LEVEL;
  beforeEach(() => {
    logs = [];
    process.env.SLUICE_LOG_LEVEL = 'debug';
    restore = setLogSink((line) => logs.push(line));
  });
  afterEach(() => {
    setLogSink(restore);
    process.env.SLUICE_LOG_LEVEL = previousLevel;
  });

  describe('Method: acknowledgement', () => {
    // Slack: "you only have 3 seconds to respond before Slack registers a timeout error", and it
    // does not retry (Bolt, "Acknowledging requests"; for FaaS it advises acknowledging first and
    // working in another invocation, "lazy listeners"). Lambda's asynchronous invocation queues
    // the event and answers at once (Lambda developer guide, "Asynchronous invocation").
    it('answers 200 before deciding: the click is queued for a second invocation, which then decides', async () => {
      // Prepare
      const { click, orchestrator, approvals, approval, queued, runQueued } = await setup({}, 'queued');

      // Act
      const answer = await click();

      // Assess: acknowledged with nothing decided or sent yet, and no task token in the queued event
      expect(answer.statusCode).toBe(200);
      expect(orchestrator.attempts).toBe(0);
      expect((await approvals.get(approval.id))?.status).toBe('pending');
      expect(queued).toEqual([
        {
          sluiceDeferredSlackAction: {
            actionId: 'sluice_approve',
            value: approval.id,
            user: APPROVER,
            responseUrl: expect.stringMatching(/^https:\/\/hooks\.slack\.com\//),
          },
          issuedAt: nowSeconds,
          seal: expect.stringMatching(/^[0-9a-f]{64}$/),
        },
      ]);
      expect(JSON.stringify(queued)).not.toContain(TOKEN);

      // Act: Lambda runs the queued event
      await runQueued();

      // Assess
      expect(orchestrator.successes).toEqual([
        { token: TOKEN, output: expect.objectContaining({ approvedBy: APPROVER }) },
      ]);
      expect((await approvals.get(approval.id))?.status).toBe('approved');
    });

    it('acts within the click when the action cannot be queued (Invoke throttled)', async () => {
      const { click, orchestrator } = await setup({}, 'unavailable');

      const answer = await click();

      expect(answer.statusCode).toBe(200);
      expect(orchestrator.successes).toHaveLength(1);
    });

    it('queues nothing for a click it refuses (bad signature, unknown action)', async () => {
      const { send, approval, queued } = await setup({}, 'queued');
      const unsigned = formBody(fixture(approval.id));
      const unknown = formBody(fixture(approval.id, APPROVER, 'sluice_launch'));

      const refused = await send(unsigned, {
        'x-slack-request-timestamp': String(nowSeconds),
        'x-slack-signature': 'v0=00',
      });
      const bad = await send(unknown, slackHeaders(SECRET, unknown, nowSeconds));

      expect([refused.statusCode, bad.statusCode]).toEqual([401, 400]);
      expect(queued).toEqual([]);
    });

    // Anyone allowed lambda:InvokeFunction on the function can send it an event: only a seal made
    // with the signing secret after Slack's signature held lets a deferred action act.
    it.each([
      ['without a seal', (e: DeferredSlackEvent) => ({ ...e, seal: '' })],
      [
        'with another user put in after sealing',
        (e: DeferredSlackEvent) => ({
          ...e,
          sluiceDeferredSlackAction: { ...e.sluiceDeferredSlackAction, user: OTHER_APPROVER },
        }),
      ],
      [
        'sealed with another secret',
        (e: DeferredSlackEvent) => ({
          ...e,
          seal: sealDeferred(
            'not-the-signing-secret',
            e.issuedAt,
            JSON.stringify(e.sluiceDeferredSlackAction),
          ),
        }),
      ],
      [
        'older than Lambda keeps an event',
        (e: DeferredSlackEvent) => {
          const issuedAt = e.issuedAt - DEFERRED_MAX_EVENT_AGE_SECONDS - 120;
          return {
            ...e,
            issuedAt,
            seal: sealDeferred(SECRET, issuedAt, JSON.stringify(e.sluiceDeferredSlackAction)),
          };
        },
      ],
    ])('refuses a deferred event %s, deciding nothing', async (_, forge) => {
      // Prepare: a genuine click's event, then altered
      const { click, orchestrator, approvals, approval, queued, runQueued } = await setup({}, 'queued');
      await click();
      queued.push(forge(queued.pop()!));

      // Act
      await runQueued();

      // Assess
      expect(orchestrator.attempts).toBe(0);
      expect((await approvals.get(approval.id))?.status).toBe('pending');
    });

    it('throws a deferred action’s failure, so Lambda retries the asynchronous invocation', async () => {
      const { click, orchestrator, runQueued } = await setup({}, 'queued');
      orchestrator.failNext.push(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));
      await click();

      await expect(runQueued()).rejects.toMatchObject({ name: 'ApprovalDeliveryError' });
    });
  });

  describe('Method: signature', () => {
    it('answers 401 and sends nothing when the signature does not match the body', async () => {
      const { send, approval, orchestrator } = await setup();
      const body = formBody(fixture(approval.id));

      const answer = await send(body, {
        'x-slack-request-timestamp': String(nowSeconds),
        'x-slack-signature': slackSignature('another-secret', String(nowSeconds), body),
      });

      expect(answer.statusCode).toBe(401);
      expect(orchestrator.successes).toHaveLength(0);
    });

    it('answers 401 and sends nothing when the signature headers are missing', async () => {
      const { send, approval, orchestrator } = await setup();

      const answer = await send(formBody(fixture(approval.id)), {
        'content-type': 'application/x-www-form-urlencoded',
      });

      expect(answer.statusCode).toBe(401);
      expect(orchestrator.successes).toHaveLength(0);
    });

    it('answers 401 and sends nothing for a correctly signed request more than five minutes old', async () => {
      const { send, approval, orchestrator } = await setup();
      const body = formBody(fixture(approval.id));

      const answer = await send(body, slackHeaders(SECRET, body, nowSeconds - 301));

      expect(answer.statusCode).toBe(401);
      expect(JSON.parse(answer.body ?? '{}')).toEqual({ error: 'signature stale' });
      expect(orchestrator.successes).toHaveLength(0);
    });

    it('answers 401 when the body was changed after signing', async () => {
      const { send, approval, orchestrator } = await setup();
      const body = formBody(fixture(approval.id));
      const headers = slackHeaders(SECRET, body, nowSeconds);

      const answer = await send(body.replace('sluice_approve', 'sluice_reject'), headers);

      expect(answer.statusCode).toBe(401);
      expect(orchestrator.failures).toHaveLength(0);
    });
  });

  describe('Method: payload', () => {
    it.each([
      ['a body without a payload field', 'foo=bar'],
      ['a payload that is not JSON', 'payload=%7Bnot-json'],
      ['a payload of another type', formBody({ type: 'view_submission', user: { id: APPROVER } })],
    ])('answers 400 to a signed request with %s', async (_, body) => {
      const { send, orchestrator } = await setup();

      const answer = await send(body, slackHeaders(SECRET, body, nowSeconds));

      expect(answer.statusCode).toBe(400);
      expect(orchestrator.successes).toHaveLength(0);
    });

    it('acknowledges a well-signed click on an unknown approval and changes nothing', async () => {
      const { click, orchestrator, slack } = await setup();
      const before = slack.messages.length;

      const answer = await click(APPROVER, 'sluice_approve', 'ap_unknown');

      expect(answer.statusCode).toBe(200);
      expect(orchestrator.successes).toHaveLength(0);
      expect(slack.messages).toHaveLength(before);
    });
  });

  describe('Method: decide', () => {
    it('approves: one SendTaskSuccess with the stored token, the message says who and when', async () => {
      const { click, orchestrator, slack, approval, approvals, releases, input } = await setup();

      const answer = await click();

      expect(answer).toEqual({ statusCode: 200, body: '' });
      expect(orchestrator.successes).toEqual([
        { token: TOKEN, output: { approvedBy: APPROVER, at: NOW.toISOString() } },
      ]);
      expect(await approvals.get(approval.id)).toMatchObject({ status: 'approved', decidedBy: APPROVER });
      const updated = slack.messages.find((m) => m.ts === approval.message?.ts);
      expect(JSON.stringify(updated?.blocks)).toContain(`Approved by <@${APPROVER}>`);
      expect(await releases.get(input.release.id, 'prod')).toMatchObject({
        approval: { id: approval.id, status: 'approved', decidedBy: APPROVER },
      });
    });

    it('rejects: SendTaskFailure with ApprovalRejectedError, which the state machine catches by name', async () => {
      const { click, orchestrator } = await setup();

      await click(APPROVER, 'sluice_reject');

      expect(orchestrator.failures).toEqual([
        { token: TOKEN, error: 'ApprovalRejectedError', cause: `rejected by ${APPROVER} in Slack` },
      ]);
      expect(orchestrator.successes).toHaveLength(0);
    });

    it('refuses a user who is not an approver, ephemerally, and the release keeps waiting', async () => {
      const { click, orchestrator, slack, approvals, approval } = await setup();

      const answer = await click('U0STRANGER');

      expect(answer.statusCode).toBe(200);
      expect(orchestrator.successes).toHaveLength(0);
      expect(orchestrator.failures).toHaveLength(0);
      expect(slack.messages.at(-1)).toMatchObject({
        ephemeral: expect.anything(),
        text: expect.stringContaining('not an approver'),
      });
      expect((await approvals.get(approval.id))?.status).toBe('pending');
    });

    it('accepts a member of an approver user group (usergroups.users.list)', async () => {
      const { click, orchestrator } = await setup();

      await click(OTHER_APPROVER);

      expect(orchestrator.successes).toHaveLength(1);
    });

    it('decides once when two approvers click at the same time: exactly one SendTaskSuccess', async () => {
      const { click, orchestrator, slack } = await setup();

      const answers = await Promise.all([click(APPROVER), click(OTHER_APPROVER), click(APPROVER)]);

      expect(answers.map((a) => a.statusCode)).toEqual([200, 200, 200]);
      expect(orchestrator.successes).toHaveLength(1);
      expect(slack.messages.filter((m) => m.ephemeral && m.text.startsWith('Already approved'))).toHaveLength(
        2,
      );
    });

    it('says an expired approval has expired and changes nothing', async () => {
      const { click, orchestrator, slack, approvals, approval } = await setup({
        expiresAt: new Date(NOW.getTime() - 1000).toISOString(),
      });

      await click();

      expect(orchestrator.successes).toHaveLength(0);
      expect(slack.messages.at(-1)?.text).toContain('expired');
      expect((await approvals.get(approval.id))?.status).toBe('pending');
    });

    it('says a finished release has ended and changes nothing', async () => {
      const { click, orchestrator, slack, releases, input } = await setup();
      await releases.update(input.release.id, 'prod', { status: 'aborted' }, { event: 'aborted' });

      await click();

      expect(orchestrator.successes).toHaveLength(0);
      expect(slack.messages.at(-1)?.text).toContain('ended: the release is aborted');
    });

    it('never puts the task token in an answer, a log line, a message or a returned record', async () => {
      const { click, send, approvals, releases, slack } = await setup();
      const answers = [await click('U0STRANGER'), await click(), await click(), await send('payload=x', {})];

      const visible = JSON.stringify([
        answers,
        logs,
        slack.messages,
        await approvals.list(),
        await releases.list(),
      ]);
      expect(logs.length).toBeGreaterThan(0);
      expect(visible).not.toContain(TOKEN);
    });
  });

  // SendTaskSuccess API reference, Errors: only TaskTimedOut ("expired or … already closed"),
  // TaskDoesNotExist and InvalidToken say the token is closed; throttling and network errors say
  // nothing about the task. Slack does not retry an interaction, so the next click must deliver.
  describe('Method: decide, delivery', () => {
    const throttled = () => Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });

    it('never reports a throttled SendTaskSuccess as expired: the decision stays recoverable', async () => {
      // Prepare
      const { click, orchestrator, slack, approvals, approval } = await setup();
      orchestrator.failNext.push(throttled());

      // Act
      const answer = await click();

      // Assess: acknowledged; the deferred run failed (Lambda retries it), and says so
      expect(answer.statusCode).toBe(200);
      expect(slack.messages.some((m) => m.ephemeral && /expired/.test(m.text))).toBe(false);
      expect(slack.messages.at(-1)?.text).toContain('recorded but has not reached the release');
      expect(await approvals.get(approval.id)).toMatchObject({ status: 'approved', decidedBy: APPROVER });
      expect((await approvals.get(approval.id))?.delivery?.outcome).toBe('failed');
      expect(orchestrator.successes).toHaveLength(0);
    });

    it('sends the stored token again on the next click after a failed send, with the first decider', async () => {
      // Prepare
      const { click, orchestrator, approvals, approval, releases, input, slack } = await setup();
      orchestrator.failNext.push(throttled());
      await click();

      // Act: another approver clicks Approve
      const answer = await click(OTHER_APPROVER);

      // Assess
      expect(answer.statusCode).toBe(200);
      expect(orchestrator.successes).toEqual([
        { token: TOKEN, output: { approvedBy: APPROVER, at: NOW.toISOString() } },
      ]);
      expect((await approvals.get(approval.id))?.delivery).toEqual({
        outcome: 'delivered',
        at: NOW.toISOString(),
      });
      const record = await releases.get(input.release.id, 'prod');
      expect(record?.history.filter((h) => h.event === 'approved')).toHaveLength(1);
      expect(slack.messages.at(-1)?.text).toContain('that decision has now reached the release');
    });

    it('sends a rejection again when the invocation ended between the decision and the send', async () => {
      // Prepare: the decision was written a minute ago, then the Lambda stopped before the send
      const { click, orchestrator, approvals, approval } = await setup();
      const earlier = new Date(NOW.getTime() - 60_000).toISOString();
      await approvals.decide(approval.id, { status: 'rejected', by: APPROVER, at: earlier });

      // Act: any approver's later click, whichever button
      await click(OTHER_APPROVER, 'sluice_approve');

      // Assess
      expect(orchestrator.failures).toEqual([
        { token: TOKEN, error: 'ApprovalRejectedError', cause: `rejected by ${APPROVER} in Slack` },
      ]);
      expect(orchestrator.successes).toHaveLength(0);
    });

    it('says expired only when the token is closed (TaskTimedOut), and sends nothing on later clicks', async () => {
      // Prepare: the approval Task timed out just before the click
      const { click, orchestrator, slack, approvals, approval } = await setup();
      orchestrator.closed.add(TOKEN);

      // Act
      await click();
      const said = slack.messages.at(-1)?.text;
      await click(OTHER_APPROVER);

      // Assess
      expect(said).toBe('This approval has expired; nothing was changed.');
      expect((await approvals.get(approval.id))?.delivery?.outcome).toBe('closed');
      expect(slack.messages.at(-1)?.text).toContain('Already approved');
      expect(orchestrator.successes).toHaveLength(0);
    });

    it('leaves a decision its decider is still sending to that decider: one send, not two', async () => {
      // Prepare: the first click's send takes its time
      const { click, orchestrator, slack } = await setup();
      const first = click();
      await new Promise((resolve) => setTimeout(resolve, 1));

      // Act
      await click(OTHER_APPROVER);
      await first;

      // Assess
      expect(orchestrator.attempts).toBe(1);
      expect(slack.messages.filter((m) => m.ephemeral && /expired/.test(m.text))).toHaveLength(0);
    });

    // RequestApproval's Retry on ApprovalRequestError (release.asl.json) starts over with a new
    // token and a new approval; a message of the earlier attempt must not decide anything.
    it('refuses a click on an approval the release no longer waits on (a retried request)', async () => {
      const { click, orchestrator, approvals, approval, releases, input, slack } = await setup();
      await releases.update(
        input.release.id,
        'prod',
        { approval: { id: 'ap_newer', status: 'pending', expiresAt: approval.expiresAt } },
        { event: 'approval_requested' },
      );

      await click();

      expect(orchestrator.attempts).toBe(0);
      expect((await approvals.get(approval.id))?.status).toBe('pending');
      expect(slack.messages.at(-1)?.text).toContain('replaced by a newer one');
    });

    it('does not send a delivered approval again', async () => {
      const { click, orchestrator } = await setup();
      await click();

      await click(OTHER_APPROVER);
      await click(APPROVER, 'sluice_reject');

      expect(orchestrator.successes).toHaveLength(1);
      expect(orchestrator.failures).toHaveLength(0);
    });
  });

  describe('Method: promote now', () => {
    it('lets an approver ask a baking release to go straight to 100%, once', async () => {
      const { click, releases, input, slack } = await setup();
      await releases.update(
        input.release.id,
        'prod',
        { steps: [{ index: 0, weight: 5, observed: {}, at: NOW.toISOString() }] },
        { event: 'shifted' },
      );

      await click(APPROVER, 'sluice_promote_now', `${input.release.id}|prod`);
      await click(OTHER_APPROVER, 'sluice_promote_now', `${input.release.id}|prod`);

      expect((await releases.get(input.release.id, 'prod'))?.promoteNow).toEqual({
        by: APPROVER,
        at: NOW.toISOString(),
      });
      expect(slack.messages.at(-1)?.text).toBe(`Already asked by <@${APPROVER}>.`);
    });

    it('refuses a promote-now from someone who is not an approver', async () => {
      const { click, releases, input } = await setup();

      await click('U0STRANGER', 'sluice_promote_now', `${input.release.id}|prod`);

      expect((await releases.get(input.release.id, 'prod'))?.promoteNow).toBeUndefined();
    });
  });

  describe('Method: abort', () => {
    it('lets an approver abort a baking release: the record says who, the execution stops', async () => {
      const { click, orchestrator, releases, input } = await setup();

      await click(APPROVER, 'sluice_abort', `${input.release.id}|prod`);

      expect(orchestrator.stops).toEqual([input.executionName]);
      expect(await releases.get(input.release.id, 'prod')).toMatchObject({
        status: 'aborted',
        cause: { trigger: 'manual', by: APPROVER },
      });
    });

    // EventBridge event reference, Step Functions "Execution Status Change": delivery type "Best
    // effort"; StopExecution does not run the state machine's Rollback. So the abort itself restores.
    it('puts all traffic back on the live group, read back, before it answers an abort at a canary step', async () => {
      // Prepare: the release serves 25% from the idle group
      const { click, releases, input, lb, prod, slack } = await setup();
      const targets = blueLive(input);
      lb.serve(prod, { [targets.live]: 75, [targets.idle]: 25 });
      await releases.update(
        input.release.id,
        'prod',
        { targets, steps: [{ index: 1, weight: 25, observed: {}, at: NOW.toISOString() }] },
        { event: 'shifted' },
      );
      await releases.acquireLock('prod', { releaseId: input.release.id, executionName: input.executionName });
      const readsBefore = lb.reads.length;

      // Act
      await click(APPROVER, 'sluice_abort', `${input.release.id}|prod`);

      // Assess
      expect(lb.serving(prod)).toEqual({ [targets.live]: 100, [targets.idle]: 0 });
      expect(lb.reads.length).toBeGreaterThan(readsBefore + 1);
      expect(await releases.get(input.release.id, 'prod')).toMatchObject({
        status: 'aborted',
        restoredAt: NOW.toISOString(),
      });
      expect(await releases.lockHolder('prod')).toBeUndefined();
      expect(slack.messages.at(-1)?.text).toContain(`all traffic is back on ${targets.live}`);
    });

    // Lambda retries a failed asynchronous invocation twice (developer guide, "Asynchronous
    // invocation"): the retried abort must finish the stop the first run started.
    it('finishes on a retried abort what a refused write left: traffic restored, read back, lock freed', async () => {
      // Prepare: a canary at 25%, and a load balancer that refuses the abort's first write
      const { click, releases, input, lb, prod, queued, runQueued } = await setup({}, 'queued');
      const targets = blueLive(input);
      lb.serve(prod, { [targets.live]: 75, [targets.idle]: 25 });
      await releases.update(
        input.release.id,
        'prod',
        { targets, steps: [{ index: 1, weight: 25, observed: {}, at: NOW.toISOString() }] },
        { event: 'shifted' },
      );
      await releases.acquireLock('prod', { releaseId: input.release.id, executionName: input.executionName });
      await click(APPROVER, 'sluice_abort', `${input.release.id}|prod`);
      const event = queued[0]!;
      lb.refuseWrites('Rate exceeded');
      await expect(runQueued()).rejects.toMatchObject({ name: 'RollbackError' });
      expect((await releases.get(input.release.id, 'prod'))?.status).toBe('aborted');

      // Act: Lambda runs the same event again
      lb.applyWrites();
      queued.push(event);
      await runQueued();

      // Assess
      expect(lb.serving(prod)).toEqual({ [targets.live]: 100, [targets.idle]: 0 });
      expect(await releases.get(input.release.id, 'prod')).toMatchObject({
        status: 'aborted',
        restoredAt: NOW.toISOString(),
      });
      expect(await releases.lockHolder('prod')).toBeUndefined();
    });

    it('leaves alone a release that ended by itself and freed its lock', async () => {
      const { click, releases, input, lb, prod, orchestrator, slack } = await setup();
      const targets = blueLive(input);
      lb.serve(prod, { [targets.live]: 0, [targets.idle]: 100 });
      await releases.update(
        input.release.id,
        'prod',
        { targets, status: 'succeeded' },
        { event: 'succeeded' },
      );

      await click(APPROVER, 'sluice_abort', `${input.release.id}|prod`);

      expect(lb.serving(prod)).toEqual({ [targets.live]: 0, [targets.idle]: 100 });
      expect(orchestrator.stops).toHaveLength(0);
      expect(slack.messages.at(-1)?.text).toContain('already ended');
    });

    it('refuses an abort from someone who is not an approver', async () => {
      const { click, orchestrator, input } = await setup();

      await click('U0STRANGER', 'sluice_abort', `${input.release.id}|prod`);

      expect(orchestrator.stops).toHaveLength(0);
    });
  });
});
