import { readFileSync } from 'node:fs';
import { parseConfigFile } from '../../embedded/config.js';
import { ConfigError } from '../../functions/shared/domain/config.js';
import {
  DEPLOY_FUNCTION_TIMEOUT_SECONDS,
  MAX_DEPLOY_WAIT_SECONDS,
  QUEUE_WAIT_SECONDS,
  RELEASE_EXECUTION_TIMEOUT_SECONDS,
  renderImageTag,
  worstCase,
} from '../../functions/shared/domain/limits.js';
import { planRelease } from '../../functions/shared/domain/plan.js';
import { definitionFile } from '../../statemachines/definitions.js';
import { exampleDocument } from '../support/config.js';
import { fixture } from '../support/github.js';

/** The problems a config document has, one line each, or [] when it is valid. */
function problemsOf(document: unknown): string[] {
  try {
    parseConfigFile(document, 'sluice.config.yaml');
    return [];
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return error.message.split('\n').slice(1);
  }
}

const SHA = '0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c';

describe('Domain: AWS limits a config is held to', () => {
  it('uses the same execution limit as release.asl.json’s TimeoutSeconds', () => {
    const asl = JSON.parse(readFileSync(definitionFile('release'), 'utf8')) as { TimeoutSeconds: number };
    expect(asl.TimeoutSeconds).toBe(RELEASE_EXECUTION_TIMEOUT_SECONDS);
  });

  // Lambda functions run at most 900 seconds (Lambda quotas: "Function timeout 900 seconds").
  it('keeps the deploy wait inside the Deploy Lambda, and that inside Lambda’s 15 minutes', () => {
    expect(DEPLOY_FUNCTION_TIMEOUT_SECONDS).toBeLessThanOrEqual(900);
    expect(MAX_DEPLOY_WAIT_SECONDS).toBeLessThan(DEPLOY_FUNCTION_TIMEOUT_SECONDS);
  });

  it('refuses an ECS deploy timeout the Deploy Lambda cannot wait for', () => {
    const document = exampleDocument();
    document.environments[1].deploy.timeout = '20m';

    expect(problemsOf(document)).toEqual([
      expect.stringMatching(
        /^ {2}environments\[1\]\.deploy\.timeout: must be at most 14m: the Deploy Lambda runs at most 15 minutes/,
      ),
    ]);
  });

  it('refuses an environment whose longest release outlasts the execution, naming each part', () => {
    const document = exampleDocument();
    Object.assign(document.environments[2], {
      concurrency: 'queue',
      approval: { type: 'slack', channel: '#releases', approvers: ['U024BE7LH'] },
      steps: [
        { weight: 50, bake: '10h' },
        { weight: 100, bake: '10h' },
      ],
    });

    const [problem, ...rest] = problemsOf(document);

    expect(rest).toEqual([]);
    expect(problem).toMatch(/^ {2}environments\[2\]: a release here can take /);
    expect(problem).toContain('queue wait 1h + build wait 1h + deploy 10m + approval 4h + bakes 20h');
    expect(problem).toContain('more than a release execution may run (24h)');
  });

  // A release of another branch that waits for the holder (otherBranches newer-first or
  // first-come, ADR 0006) spends up to the queue retrier's hour before it begins.
  it('counts the queue wait for an environment where a release of another branch may wait, and not with newest-only', () => {
    const base = {
      concurrency: 'supersede' as const,
      deploySeconds: 0,
      approvalSeconds: 0,
      bakeSeconds: [60],
      extensionSeconds: 0,
      watchSeconds: 60,
    };

    expect(worstCase(base).queue).toBe(QUEUE_WAIT_SECONDS);
    expect(worstCase({ ...base, otherBranches: 'first-come' }).queue).toBe(QUEUE_WAIT_SECONDS);
    expect(worstCase({ ...base, otherBranches: 'newest-only' }).queue).toBe(0);
    expect(worstCase({ ...base, concurrency: 'queue', otherBranches: 'newest-only' }).queue).toBe(
      QUEUE_WAIT_SECONDS,
    );
  });

  it('refuses a listener in another region than the others: Sluice reaches them all from one', () => {
    const document = exampleDocument();
    document.environments[2].listenerArn = document.environments[2].listenerArn.replace(
      'us-east-1',
      'eu-west-1',
    );

    expect(problemsOf(document)).toEqual([
      '  environments[2].listenerArn: is in account/region 123456789012/eu-west-1, but environments[0].listenerArn is in 123456789012/us-east-1: Sluice reaches every listener from one account and region',
    ]);
  });

  it('accepts the example config, whose environments fit', () => {
    expect(problemsOf(exampleDocument())).toEqual([]);
  });
});

describe('Domain: the image tag a commit is released as', () => {
  it('is the full SHA by default', () => {
    expect(renderImageTag('${sha}', SHA)).toBe(SHA);
  });

  it('takes the first N characters for ${sha:N}, with fixed text around it', () => {
    expect(renderImageTag('release-${sha:7}', SHA)).toBe('release-0d1a26e');
  });

  it('is the version the plan releases', () => {
    const config = parseConfigFile({ ...exampleDocument(), imageTag: '${sha:12}' });
    const plan = planRelease(config, fixture('push-release-branch'));
    expect(plan.kind === 'release' && plan.release.version).toMatch(/^[0-9a-f]{12}$/);
  });

  it.each([
    ['latest', 'has no ${sha}: every commit would deploy the same tag'],
    ['${sha:5}', 'is too short to tell commits apart'],
    ['v ${sha}', 'has a space, which an image tag cannot'],
  ])('refuses %s (it %s)', (imageTag) => {
    expect(problemsOf({ ...exampleDocument(), imageTag })).toEqual([
      expect.stringMatching(/^ {2}imageTag: must contain \$\{sha\} or \$\{sha:N\}/),
    ]);
  });
});
