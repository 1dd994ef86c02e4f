import { lambdaContext } from '../../embedded/engine.js';
import {
  blockActionsPayload,
  type ClickAction,
  formBody,
  interactionEvent,
  slackHeaders,
} from '../../embedded/slack-interaction.js';
import type { Approval } from '../../functions/shared/domain/approval.js';
import { BLUE, GREEN, SCALED, Scenario, scenarioConfig, shaOf } from './harness.js';

const APPROVER = 'U024BE7LH';
const CHANNEL = 'C0RELEASES';

let scenario: Scenario | undefined;
afterEach(async () => {
  await scenario?.close();
  scenario = undefined;
});

/** A scenario whose only environment waits for a Slack approval, recording every task token issued. */
async function approvalScenario(timeout = '1h', timeScale = 0, environment: Record<string, unknown> = {}) {
  scenario = await Scenario.start({
    timeScale,
    config: scenarioConfig({
      approval: { type: 'slack', channel: CHANNEL, approvers: [APPROVER], timeout },
      ...environment,
    }),
  });
  const tokens = scenario.runtime.engine.tokens;
  const issued: string[] = [];
  const issue = tokens.issue.bind(tokens);
  tokens.issue = () => {
    const token = issue();
    issued.push(token);
    return token;
  };
  return { scenario, issued };
}

async function until<T>(probe: () => Promise<T | undefined>): Promise<T> {
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** The pending approval, once its message is in Slack (a button cannot be clicked before). */
const pendingApproval = (s: Scenario) =>
  until<Approval>(async () =>
    (await s.runtime.ports.approvals().list()).find((a) => a.status === 'pending' && a.message),
  );

/** Clicks a button the way Slack delivers it: a signed block_actions payload to the handler. */
async function click(s: Scenario, action: ClickAction, value: string, user = APPROVER) {
  const body = formBody(
    blockActionsPayload({ action, value, user, responseUrl: `local://responses/${user}` }),
  );
  const secret = await s.runtime.ports.secrets().get('slack-signing');
  return s.runtime.handlers.slackInteractions(
    interactionEvent(body, slackHeaders(secret, body)),
    lambdaContext('slack-interactions'),
  );
}

describe('Scenario: a release that needs a Slack approval', () => {
  it('waits with the new version deployed and no traffic moved, then an approval continues it to promotion', async () => {
    // Prepare
    const { scenario: s, issued } = await approvalScenario();
    const pushed = await s.push(shaOf('approved'));
    const approval = await pendingApproval(s);

    // Assess: waiting, nothing shifted
    expect(s.runtime.engine.describe(pushed.executionName)?.status).toBe('RUNNING');
    expect(s.weights()).toEqual({ [BLUE]: 100, [GREEN]: 0 });
    expect((await s.record(pushed.releaseId))?.steps).toEqual([]);

    // Act
    const answer = await click(s, 'approve', approval.id);
    const execution = await s.runtime.engine.wait(pushed.executionName);
    await s.runtime.notifications.stream.idle();

    // Assess
    expect(answer.statusCode).toBe(200);
    expect(execution.status).toBe('SUCCEEDED');
    const record = await s.record(pushed.releaseId);
    expect(record).toMatchObject({
      status: 'succeeded',
      approval: { status: 'approved', decidedBy: APPROVER },
    });
    expect(s.weights()).toEqual({ [BLUE]: 0, [GREEN]: 100 });
    const messages = s.runtime.notifications.slack.messages;
    const request = messages.find((m) => m.ts === approval.message?.ts);
    expect(request).toMatchObject({ channel: CHANNEL, broadcast: true });
    // The message now says who decided, and its buttons are gone.
    expect(JSON.stringify(request?.blocks)).toContain(`Approved by <@${APPROVER}>`);
    expect(JSON.stringify(request?.blocks)).not.toContain('sluice_approve');
    // One message for the release in dev, updated in place to its end; the thread says who approved.
    const cards = messages.filter((m) => !m.threadTs && !m.ephemeral && m.ts !== approval.message?.ts);
    expect(cards.map((m) => m.text)).toEqual([expect.stringMatching(/→ dev: succeeded$/)]);
    expect(messages.map((m) => m.text)).toEqual(
      expect.arrayContaining([expect.stringMatching(/→ dev: Approved by U024BE7LH$/)]),
    );
    expect(s.runtime.notifications.deployments.deployments[0]?.statuses.map((st) => st.state)).toEqual(
      expect.arrayContaining(['in_progress', 'success']),
    );
    // The task token never leaves the server side: not in records, approvals, messages or the answer.
    const visible = JSON.stringify([
      await s.runtime.ports.releases().list(),
      await s.runtime.ports.approvals().list(),
      messages,
      answer,
      execution.output,
    ]);
    // Two tokens: VerifyBuild's (waiting for CI; off the record once the build is verified) and the approval's.
    expect(issued).toHaveLength(2);
    for (const token of issued) expect(visible).not.toContain(token);
  });

  // Lambda event source mappings: a DynamoDB stream record older than maximumRecordAgeInSeconds
  // (3600 here) or past maximumRetryAttempts goes to the on-failure destination and is not seen
  // again. So the approval request may not depend on the stream notifier: RequestApproval posts it,
  // and a failed post (Slack down) is an ApprovalRequestError that the state machine retries.
  it('asks the approvers without the stream notifier, and retries a post that Slack failed', async () => {
    // Prepare: no stream notifier at all, and Slack fails the first post
    scenario = await Scenario.start({
      notifications: false,
      config: scenarioConfig({
        approval: { type: 'slack', channel: CHANNEL, approvers: [APPROVER], timeout: '1h' },
      }),
    });
    const s = scenario;
    const slack = s.runtime.notifications.slack;
    const post = slack.post.bind(slack);
    let failures = 1;
    slack.post = async (...args) => {
      if (failures-- > 0) throw new Error('Slack API error: service_unavailable');
      return post(...args);
    };
    const pushed = await s.push(shaOf('asked'));

    // Act
    const approval = await pendingApproval(s);
    await click(s, 'approve', approval.id);
    const execution = await s.runtime.engine.wait(pushed.executionName);

    // Assess
    expect(failures).toBeLessThan(0);
    expect(slack.messages.find((m) => m.ts === approval.message?.ts)).toMatchObject({ channel: CHANNEL });
    expect(execution.status).toBe('SUCCEEDED');
    expect(s.weights()).toEqual({ [BLUE]: 0, [GREEN]: 100 });
  });

  it('ends with traffic whole and never shifted when an approver rejects', async () => {
    const { scenario: s } = await approvalScenario();
    const pushed = await s.push(shaOf('rejected'));
    const approval = await pendingApproval(s);

    await click(s, 'reject', approval.id);
    const execution = await s.runtime.engine.wait(pushed.executionName);
    await s.runtime.notifications.stream.idle();

    expect(execution).toMatchObject({ status: 'FAILED', error: 'ApprovalRejectedError' });
    expect(await s.record(pushed.releaseId)).toMatchObject({
      status: 'rejected',
      steps: [],
      cause: { trigger: 'approval', error: 'ApprovalRejectedError' },
    });
    expect(s.runtime.alb.epochs(s.env.listenerArn)).toHaveLength(2); // the seed's 100/0 only
    expect(s.weights()).toEqual({ [BLUE]: 100, [GREEN]: 0 });
    expect(await s.lockHolder()).toBeUndefined();
    expect(s.runtime.notifications.slack.messages.map((m) => m.text)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/→ dev: rejected$/),
        expect.stringMatching(/→ dev: Rejected by U024BE7LH$/),
      ]),
    );
  });

  it('ends with traffic whole and never shifted when nobody decides before the timeout, and a late click changes nothing', async () => {
    // 20s of approval timeout on the SCALED clock (0.05) is 1 s.
    const { scenario: s } = await approvalScenario('20s', SCALED);
    const pushed = await s.push(shaOf('timed-out'));
    const approval = await pendingApproval(s);

    const execution = await s.runtime.engine.wait(pushed.executionName);
    const late = await click(s, 'approve', approval.id);
    await s.runtime.notifications.stream.idle();

    expect(execution).toMatchObject({ status: 'FAILED', error: 'ApprovalTimedOut' });
    expect(await s.record(pushed.releaseId)).toMatchObject({
      status: 'failed',
      steps: [],
      cause: { trigger: 'timeout' },
    });
    expect(s.runtime.alb.epochs(s.env.listenerArn)).toHaveLength(2);
    expect(s.weights()).toEqual({ [BLUE]: 100, [GREEN]: 0 });
    expect(late.statusCode).toBe(200);
    expect((await s.runtime.ports.approvals().get(approval.id))?.status).toBe('pending');
    const texts = s.runtime.notifications.slack.messages.map((m) => m.text);
    expect(texts).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/no decision on approval/),
        expect.stringMatching(/expired/),
      ]),
    );
  });

  it('goes straight from the current step to 100% when an approver clicks Promote now in the thread', async () => {
    // The click lands in the first bake (1 s on the SCALED clock); what comes after it is not timed
    const steps = [
      { weight: 25, bake: '20s' },
      { weight: 50, bake: '20s' },
      { weight: 100, bake: '0s' },
    ];
    const { scenario: s } = await approvalScenario('1h', SCALED, { steps, watch: '0s' });
    const pushed = await s.push(shaOf('promote-now'));
    await click(s, 'approve', (await pendingApproval(s)).id);
    await until(async () => ((await s.record(pushed.releaseId))?.steps.length === 1 ? true : undefined));

    await click(s, 'promoteNow', `${pushed.releaseId}|dev`);
    const execution = await s.runtime.engine.wait(pushed.executionName);

    expect(execution.status).toBe('SUCCEEDED');
    const record = await s.record(pushed.releaseId);
    expect(record?.steps.map((step) => step.weight)).toEqual([25, 100]);
    expect(record?.promoteNow).toMatchObject({ by: APPROVER });
    expect(s.weights()).toEqual({ [BLUE]: 0, [GREEN]: 100 });
  });
});
