import fc from 'fast-check';
import type { Approval } from '../../functions/shared/domain/approval.js';
import { blockKitProblems, clamp, visibleText } from '../../functions/shared/domain/block-kit.js';
import { planSummary } from '../../functions/shared/domain/pipeline.js';
import type { ReleaseRecord, StageInput } from '../../functions/shared/domain/release.js';
import { causeWords, entryWords, timelineText } from '../../functions/shared/domain/release-words.js';
import {
  approvalDecided,
  approvalRequest,
  milestoneMessage,
  releaseCard,
} from '../../functions/shared/domain/slack-messages.js';
import { exampleConfig } from '../support/config.js';
import { blueLive, recordOf, releaseInput } from '../support/release.js';

// Slack's documented Block Kit limits (https://docs.slack.dev/reference/block-kit/blocks: 50
// blocks per message; section-block: text 1–3,000 characters, fields ≤ 10 of ≤ 2,000;
// header-block: 150; button-element: text 75, action_id 255, value 2,000; block_id 255).
// blockKitProblems checks each of them; every message Sluice renders must pass.

const prod = exampleConfig().environments.find((e) => e.name === 'prod')!;
const input = releaseInput('prod');
const targets = blueLive(input);
const AT = '2026-11-30T12:03:04.000Z';

/** The words a person reads: Slack markup (<…>) and emoji codes (:x:) are not words. */
const words = (msg: { text: string; blocks?: unknown[] }) =>
  visibleText(msg)
    .join('\n')
    .replace(/<[^>|]*\|([^>]*)>/g, '$1')
    .replace(/<[@#]([A-Z0-9]+)>|<!subteam\^([A-Z0-9]+)>/g, '$1$2')
    .replace(/:[a-z0-9_+-]+:/g, '');
const SNAKE = /\b[a-z0-9]+(?:_[a-z0-9]+)+\b/;

/** A record that went through every milestone, with the given commit text and alarms. */
function walked(commit: string, alarms: string[]): ReleaseRecord {
  const step = (weight: number) => ({
    index: 0,
    weight,
    observed: { [targets.live]: 100 - weight, [targets.idle]: weight },
    at: AT,
  });
  return recordOf(input, {
    commit: {
      message: commit,
      author: commit.slice(0, 300),
      url: 'https://github.com/acme/checkout/commit/1',
    },
    status: 'rolled_back',
    steps: [step(5), step(25)],
    firedAlarms: alarms,
    approval: { id: 'ap_1', status: 'approved', expiresAt: AT, decidedBy: 'U024BE7LH', decidedAt: AT },
    cause: {
      trigger: 'alarm',
      alarm: alarms[0] ?? 'checkout-prod-5xx',
      alarmChangedAt: AT,
      message: `${alarms[0]} in ALARM: ${commit}`,
    },
    restoredAt: '2026-11-30T12:03:04.075Z',
    history: [
      { at: AT, event: 'started', detail: 'pushed by octocat' },
      { at: AT, event: 'verifying_build' },
      { at: AT, event: 'build_verified', detail: 'build, test' },
      { at: AT, event: 'began', detail: `holds prod; ${targets.live} serves 100%` },
      { at: AT, event: 'idle_attached', detail: `${targets.idle} added to the listener at weight 0` },
      { at: AT, event: 'artifact_verified', detail: `checkout:${'6'.repeat(40)} sha256:${'a'.repeat(64)}` },
      { at: AT, event: 'deployed', detail: `checkout:${'6'.repeat(40)} on green` },
      { at: AT, event: 'approval_requested', detail: `${targets.idle} serves the new version` },
      { at: AT, event: 'approved', detail: 'approved by <@U024BE7LH>' },
      { at: AT, event: 'shifted', detail: '5% on the new version' },
      { at: AT, event: 'shifted', detail: '25% on the new version' },
      { at: AT, event: 'alarm', detail: commit },
      { at: AT, event: 'promoted', detail: `${targets.idle} serves 100%` },
      { at: AT, event: 'rolled_back', detail: commit },
      { at: AT, event: 'traffic_restored', detail: `all traffic on ${targets.live}` },
    ],
  });
}

function everyMessage(record: ReleaseRecord) {
  const approval: Approval = {
    id: 'ap_1',
    releaseId: record.releaseId,
    environment: 'prod',
    executionName: record.executionName,
    service: record.service,
    version: record.version,
    channel: '#releases',
    status: 'approved',
    requestedAt: AT,
    expiresAt: AT,
    decidedBy: 'U024BE7LH',
    decidedAt: AT,
  };
  const inProgress = { ...record, status: 'in_progress' as const, cause: undefined };
  const pending = { ...inProgress, approval: { id: 'ap_1', status: 'pending' as const, expiresAt: AT } };
  return [
    releaseCard(record, prod),
    releaseCard(inProgress, prod),
    releaseCard(pending, prod),
    approvalRequest(approval, record, prod, ['U024BE7LH', 'S0614TZR7'], [record, record, record]),
    approvalDecided(approval, record),
    ...record.history.map((_, i) => milestoneMessage(record, i, prod)).filter((m) => m !== undefined),
  ];
}

describe('Module: slack-messages', () => {
  describe('Method: releaseCard, milestoneMessage, approvalRequest', () => {
    it("keeps every message within Slack's Block Kit limits, however long the commit, reason or alarm list", () => {
      fc.assert(
        fc.property(
          fc.string({ minLength: 0, maxLength: 12_000 }),
          fc.array(fc.string({ minLength: 1, maxLength: 400 }), { maxLength: 80 }),
          (commit, alarms) => {
            for (const msg of everyMessage(walked(commit, alarms))) expect(blockKitProblems(msg)).toEqual([]);
          },
        ),
        { numRuns: 40 },
      );
    });

    it('replies in the thread only for approval decided, promoted, and the rollback with its cause', () => {
      const record = walked('Fix the basket total', ['checkout-prod-5xx']);
      const replied = record.history
        .map((entry, i) => (milestoneMessage(record, i, prod) ? entry.event : undefined))
        .filter(Boolean);
      expect(replied).toEqual(['approved', 'promoted', 'rolled_back']);
    });

    it('names groups blue and green, events in words, and never leaves a detail empty', () => {
      const record = walked('Fix the basket total', ['checkout-prod-5xx']);
      for (const msg of everyMessage(record)) {
        const shown = words(msg);
        expect(shown).not.toMatch(/arn:aws/);
        expect(shown).not.toMatch(SNAKE);
        expect(shown).not.toMatch(/:\s*$/m);
      }
      const card = words(releaseCard({ ...record, status: 'in_progress', cause: undefined }, prod));
      expect(card).toContain('green 25% / blue 75%');
    });
  });

  describe('Method: causeWords', () => {
    it('says which alarm went to ALARM and when', () => {
      const record = walked('Threshold Crossed: 3 datapoints', ['checkout-prod-5xx']);
      expect(causeWords(record, prod.targetGroups)).toBe(
        'Rolled back: alarm checkout-prod-5xx went to ALARM at 12:03:04 UTC (Threshold Crossed: 3 datapoints)',
      );
    });
  });

  describe('Method: entryWords', () => {
    it('tells every entry in words, with no ARN, no snake_case and no dangling colon', () => {
      const record = walked('Fix', ['checkout-prod-5xx']);
      const lines = record.history.map((_, i) => entryWords(record, i, prod.targetGroups));
      expect(lines).toEqual([
        'Release of 6113728 started in prod: pushed by octocat',
        "Waiting for the build's required checks",
        'Build verified: build, test',
        'Took prod; blue serves all traffic',
        'Added green to the listener at 0%',
        'Image found and its scan passed: checkout:6666666 sha256:aaaaaaaaaaaa',
        'Deployed 6113728 on green',
        'Asked for approval, until 12:03:04 UTC',
        'Approved by U024BE7LH',
        'Shifted 5% to the new version; the listener serves green 5% / blue 95%',
        'Shifted 25% to the new version; the listener serves green 25% / blue 75%',
        'Alarm: Fix',
        'Promoted: green serves all traffic; the previous version stays ready on blue',
        'Rolled back: alarm checkout-prod-5xx went to ALARM at 12:03:04 UTC (Fix)',
        'Traffic restored: blue serves all traffic',
      ]);
      expect(timelineText(record, prod.targetGroups)[0]).toBe(
        '12:03:04 UTC  Release of 6113728 started in prod: pushed by octocat',
      );
    });
  });

  describe('Method: clamp', () => {
    it('cuts to the limit with an ellipsis and leaves shorter text alone', () => {
      expect(clamp('abcdef', 4)).toBe('abc…');
      expect(clamp('abc', 4)).toBe('abc');
    });
  });
});

describe('Module: pipeline', () => {
  describe('Method: planSummary', () => {
    it('shows each environment\'s timeline in words on the "Sluice plan" check run, with the cause as its outcome', () => {
      const record = walked('Fix the basket total', ['checkout-prod-5xx']);
      const stage: StageInput = {
        name: 'prod',
        executionName: record.executionName,
        soak: false,
        soakSeconds: 0,
        input,
      };

      const summary = planSummary('release/*', [stage], { prod: record });

      expect(summary).toContain(
        '| Rolled back: alarm checkout-prod-5xx went to ALARM at 12:03:04 UTC (Fix the basket total) |',
      );
      expect(summary).toContain('### Timeline');
      expect(summary).toContain(
        '- 12:03:04 UTC  Shifted 25% to the new version; the listener serves green 25% / blue 75%',
      );
      expect(summary).not.toMatch(/arn:aws|rolled_back|traffic_restored/);
    });
  });
});
