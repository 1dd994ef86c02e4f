/**
 * The doctor's AWS reads where moto 5.2 does not model the API: it does not implement
 * PutCompositeAlarm, and it does not keep an ECS service's deploymentConfiguration (the circuit
 * breaker). These use aws-sdk-client-mock with the response shapes AWS documents.
 */
import { CloudWatchClient, DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import {
  DescribeClustersCommand,
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  ECSClient,
  type Service,
} from '@aws-sdk/client-ecs';
import { mockClient } from 'aws-sdk-client-mock';
import { alarmFacts, ecsFacts } from '../../cli/doctor-aws.js';
import type { EnvironmentConfig } from '../../functions/shared/domain/config.js';
import { judgeEnvironment, read } from '../../functions/shared/domain/doctor.js';
import { exampleConfig } from '../support/config.js';

const staging = exampleConfig().environments.find((e) => e.name === 'staging')!;
const cloudwatch = mockClient(CloudWatchClient);
const ecs = mockClient(ECSClient);

beforeEach(() => {
  cloudwatch.reset();
  ecs.reset();
});

/** The facts of a healthy staging, with the alarms and ECS facts under test. */
function factsWith(over: Partial<Parameters<typeof judgeEnvironment>[1]>) {
  const lb = 'arn:lb';
  return {
    listener: read({
      loadBalancerArn: lb,
      forwardActions: [
        {
          targetGroups: [
            { arn: staging.targetGroups.blue, weight: 100 },
            { arn: staging.targetGroups.green, weight: 0 },
          ],
        },
      ],
    }),
    targetGroups: {
      blue: read({ loadBalancerArns: [lb], registered: 1, healthy: 1 }),
      green: read({ loadBalancerArns: [lb], registered: 0, healthy: 0 }),
    },
    alarms: read([]),
    releases: read([]),
    lock: read(undefined),
    ...over,
  };
}

describe('Function: alarmFacts (CloudWatch DescribeAlarms)', () => {
  it('asks for metric and composite alarms, and reads a composite alarm from CompositeAlarms', async () => {
    // CloudWatch API reference, DescribeAlarms: "If you omit [AlarmTypes], only metric alarms are
    // returned, even if composite alarms exist in the account."
    cloudwatch.on(DescribeAlarmsCommand).resolves({
      MetricAlarms: [
        {
          AlarmName: 'checkout-staging-5xx',
          StateValue: 'OK',
          Period: 60,
          EvaluationPeriods: 1,
          StateUpdatedTimestamp: new Date('2026-12-01T00:00:00Z'),
        },
      ],
      CompositeAlarms: [
        {
          AlarmName: 'checkout-staging-p99-latency',
          AlarmRule: 'ALARM("checkout-staging-p99-a") OR ALARM("checkout-staging-p99-b")',
          StateValue: 'ALARM',
          StateUpdatedTimestamp: new Date('2026-12-01T00:00:00Z'),
        },
      ],
    });

    const facts = await alarmFacts(new CloudWatchClient({ region: 'us-east-1' }), staging.alarms);
    const checks = judgeEnvironment(staging, factsWith({ alarms: read(facts) }));

    expect(cloudwatch.commandCalls(DescribeAlarmsCommand)[0]!.args[0].input).toEqual({
      AlarmNames: staging.alarms,
      AlarmTypes: ['MetricAlarm', 'CompositeAlarm'],
    });
    expect(checks.find((c) => c.id === 'alarm:checkout-staging-p99-latency')).toMatchObject({
      status: 'ok',
      detail: 'composite alarm, returned',
    });
    expect(checks.find((c) => c.id === 'alarm:checkout-staging-p99-latency:state')?.status).toBe('warn');
  });

  it('fails a composite alarm that a role with a narrower DescribeAlarms permission is not shown', async () => {
    // CloudWatch API reference, DescribeAlarms: "You can't return information about composite
    // alarms if your cloudwatch:DescribeAlarms permission has a narrower scope" than *.
    cloudwatch.on(DescribeAlarmsCommand).resolves({
      MetricAlarms: [{ AlarmName: 'checkout-staging-5xx', StateValue: 'OK' }],
      CompositeAlarms: [],
    });

    const facts = await alarmFacts(new CloudWatchClient({ region: 'us-east-1' }), staging.alarms);
    const check = judgeEnvironment(staging, factsWith({ alarms: read(facts) })).find(
      (c) => c.id === 'alarm:checkout-staging-p99-latency',
    );

    expect(check).toMatchObject({
      status: 'fail',
      fix: 'create the alarm, or grant cloudwatch:DescribeAlarms on * (composite alarms are returned only to that scope)',
    });
  });
});

describe('Function: ecsFacts (ECS DescribeServices)', () => {
  const withPassRoles: EnvironmentConfig = staging;
  const deploy = staging.deploy as Extract<EnvironmentConfig['deploy'], { provider: 'ecs' }>;

  /** A service as DescribeServices documents it: loadBalancers, deploymentConfiguration, deploymentController. */
  const service = (side: 'blue' | 'green', breaker: { enable: boolean; rollback: boolean }): Service => ({
    serviceName: deploy.services[side],
    status: 'ACTIVE',
    desiredCount: 2,
    runningCount: 2,
    taskDefinition: 'arn:aws:ecs:us-east-1:123456789012:task-definition/checkout:7',
    loadBalancers: [
      { targetGroupArn: staging.targetGroups[side], containerName: 'app', containerPort: 8080 },
    ],
    deploymentConfiguration: {
      deploymentCircuitBreaker: breaker,
      maximumPercent: 200,
      minimumHealthyPercent: 100,
    },
    deploymentController: { type: 'ECS' },
  });

  beforeEach(() => {
    ecs
      .on(DescribeClustersCommand)
      .resolves({ clusters: [{ clusterName: deploy.cluster, status: 'ACTIVE' }] });
    ecs.on(DescribeTaskDefinitionCommand).resolves({
      taskDefinition: { taskRoleArn: 'arn:aws:iam::123456789012:role/checkout-task' },
    });
  });

  it('fails a service whose circuit breaker is on without rollback', async () => {
    // ECS API reference, DeploymentCircuitBreaker: `rollback` rolls a failed deployment back to
    // the last completed one; the breaker works with the rolling update (ECS) controller only.
    ecs.on(DescribeServicesCommand).resolves({
      services: [
        service('blue', { enable: true, rollback: false }),
        service('green', { enable: true, rollback: true }),
      ],
    });

    const facts = await ecsFacts(new ECSClient({ region: 'us-east-1' }), staging);
    const checks = judgeEnvironment(withPassRoles, factsWith({ ecs: read(facts) }));

    expect(checks.find((c) => c.id === 'ecs:blue:circuitBreaker')).toMatchObject({
      status: 'fail',
      detail: expect.stringContaining('on without rollback'),
      fix: `aws ecs update-service --cluster ${deploy.cluster} --service ${deploy.services.blue} --deployment-configuration 'deploymentCircuitBreaker={enable=true,rollback=true}'`,
    });
    expect(checks.find((c) => c.id === 'ecs:green:circuitBreaker')?.status).toBe('ok');
    expect(checks.find((c) => c.id === 'ecs:green')).toMatchObject({
      status: 'ok',
      detail: `service ${deploy.services.green} runs 2/2 behind green`,
    });
  });
});
