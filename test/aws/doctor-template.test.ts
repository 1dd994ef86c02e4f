/**
 * The doctor finds the safety net's rules and functions, and the secret names, in the stack by
 * the logical ids and environment variables the CDK app gives them: this synthesizes the real
 * stack (with a secret name overridden by context, as a deploy can) and answers CloudFormation's
 * GetTemplate and EventBridge's DescribeRule/ListTargetsByRule from it with aws-sdk-client-mock,
 * in the shapes AWS documents (ListStackResources: LogicalResourceId, PhysicalResourceId,
 * ResourceType; a rule's physical id is its name, a function's its name).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CloudFormationClient,
  GetTemplateCommand,
  type StackResourceSummary,
} from '@aws-sdk/client-cloudformation';
import {
  DescribeRuleCommand,
  EventBridgeClient,
  ListTargetsByRuleCommand,
} from '@aws-sdk/client-eventbridge';
import { App } from 'aws-cdk-lib';
import { mockClient } from 'aws-sdk-client-mock';
import { deployedSecretNames, ruleFacts } from '../../cli/doctor-aws.js';
import { loadConfig } from '../../embedded/config.js';
import { addSluice } from '../../infra/sluice-app.js';

const root = new URL('../..', import.meta.url).pathname;
const config = loadConfig(join(root, 'sluice.config.yaml'));
const app = new App({
  outdir: mkdtempSync(join(tmpdir(), 'sluice-cdk-')),
  context: { 'aws:cdk:bundling-stacks': [], 'sluice:githubTokenSecretName': 'acme/ci/github-token' },
});
const stack = addSluice(app, { config, nag: false });
const template = app.synth().getStackByName(stack.stackName).template as {
  Resources: Record<string, { Type: string; Properties?: { EventPattern?: unknown } }>;
};
const physicalId = (logicalId: string) => `${stack.stackName}-${logicalId}-1A2B3C4D5E6F`;
const resources: StackResourceSummary[] = Object.entries(template.Resources).map(([id, r]) => ({
  LogicalResourceId: id,
  PhysicalResourceId: physicalId(id),
  ResourceType: r.Type,
  ResourceStatus: 'CREATE_COMPLETE',
  LastUpdatedTimestamp: new Date(),
}));
const functionArn = (logicalIdPrefix: string) => {
  const id = Object.keys(template.Resources).find(
    (k) => k.startsWith(logicalIdPrefix) && template.Resources[k]!.Type === 'AWS::Lambda::Function',
  )!;
  return `arn:aws:lambda:us-east-1:123456789012:function:${physicalId(id)}`;
};

const cloudformation = mockClient(CloudFormationClient);
const events = mockClient(EventBridgeClient);

beforeEach(() => {
  cloudformation.reset();
  events.reset();
});

describe('Function: deployedSecretNames (CloudFormation GetTemplate)', () => {
  it("reads a secret name overridden at deploy from the synthesized functions' environment", async () => {
    cloudformation.on(GetTemplateCommand).resolves({ TemplateBody: JSON.stringify(template) });

    const names = await deployedSecretNames(
      new CloudFormationClient({ region: 'us-east-1' }),
      stack.stackName,
    );

    expect(names).toEqual({
      'github-webhook': `sluice/${config.service}/github-webhook`,
      'github-token': 'acme/ci/github-token',
      'slack-signing': `sluice/${config.service}/slack-signing`,
      'slack-bot-token': `sluice/${config.service}/slack-bot-token`,
    });
  });
});

describe('Function: ruleFacts (EventBridge DescribeRule, ListTargetsByRule)', () => {
  it("finds the synthesized stack's alarm and execution rules and the function each should target", async () => {
    const byName = new Map(
      resources
        .filter((r) => r.ResourceType === 'AWS::Events::Rule')
        .map((r) => [r.PhysicalResourceId!, template.Resources[r.LogicalResourceId!]!]),
    );
    events.on(DescribeRuleCommand).callsFake(({ Name }: { Name: string }) => ({
      Name,
      State: 'ENABLED',
      EventPattern: JSON.stringify(byName.get(Name)?.Properties?.EventPattern ?? {}),
    }));
    // Every rule targets the alarm-rollback function: right for the alarm rules only.
    events
      .on(ListTargetsByRuleCommand)
      .resolves({ Targets: [{ Id: 'Target0', Arn: functionArn('AlarmRollbackAlarmRollbackFunction') }] });

    const facts = await ruleFacts(new EventBridgeClient({ region: 'us-east-1' }), resources);

    const alarmNames = [...new Set(config.environments.flatMap((e) => e.alarms))].sort();
    expect(
      facts
        .filter((f) => f.kind === 'alarm')
        .flatMap((f) => f.alarmNames ?? [])
        .sort(),
    ).toEqual(alarmNames);
    const alarmRule = facts.find((f) => f.kind === 'alarm')!;
    expect(alarmRule.expectedTarget).toBe(functionArn('AlarmRollbackAlarmRollbackFunction'));
    const executionRule = facts.find((f) => f.kind === 'executionEnded')!;
    expect(executionRule.name).toMatch(/AlarmRollbackExecutionEndedRule/);
    expect(executionRule.expectedTarget).toContain('AlarmRollbackReleaseGuardFunction');
    expect(executionRule.targets).not.toContain(executionRule.expectedTarget);
  });
});
