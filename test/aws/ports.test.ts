import { fileURLToPath } from 'node:url';
import { deployedConfig, loadConfig } from '../../embedded/config.js';
import { awsAlarms, CloudWatchAlarmSource } from '../../functions/shared/aws/cloudwatch-alarm-source.js';
import { awsConfig } from '../../functions/shared/aws/config-port.js';
import { awsReleases, DynamoDbReleaseStore } from '../../functions/shared/aws/dynamodb-release-store.js';
import { awsDeployer, EcsDeployer, ExternalDeployer } from '../../functions/shared/aws/ecs-deployer.js';
import { awsTrafficRouter, Elbv2TrafficRouter } from '../../functions/shared/aws/elbv2-traffic-router.js';
import { awsBuildVerifier, GitHubBuildVerifier } from '../../functions/shared/aws/github-build-verifier.js';
import { forgetBuilt } from '../../functions/shared/aws/once.js';
import { awsSecrets, SecretsManagerSecrets } from '../../functions/shared/aws/secrets-manager.js';
import { awsOrchestrator, SfnOrchestrator } from '../../functions/shared/aws/sfn-orchestrator.js';
import { accessScope } from '../../functions/shared/domain/accounts.js';
import { systemClock } from '../../functions/shared/ports/index.js';
import { createShiftTrafficHandler } from '../../functions/shift-traffic/shift-traffic.js';
import { functionCodeDir } from '../support/lambda.js';

const CONFIG_FILE = fileURLToPath(new URL('../../sluice.config.yaml', import.meta.url));

const ENV = {
  LAMBDA_TASK_ROOT: functionCodeDir(deployedConfig(loadConfig(CONFIG_FILE))),
  SLUICE_TABLE_NAME: 'sluice-releases',
  SLUICE_STATE_MACHINE_ARN: 'arn:aws:states:us-east-1:111111111111:stateMachine:sluice-release',
  SLUICE_PIPELINE_STATE_MACHINE_ARN: 'arn:aws:states:us-east-1:111111111111:stateMachine:sluice-pipeline',
  SLUICE_GITHUB_WEBHOOK_SECRET_NAME: 'sluice/github-webhook',
  SLUICE_GITHUB_TOKEN_SECRET_NAME: 'sluice/github-token',
  SLUICE_SLACK_SIGNING_SECRET_NAME: 'sluice/slack-signing',
  SLUICE_SLACK_BOT_TOKEN_SECRET_NAME: 'sluice/slack-bot-token',
};

describe('AWS wiring', () => {
  const saved = { ...process.env };

  beforeEach(() => {
    forgetBuilt();
    Object.assign(process.env, ENV);
  });

  afterEach(() => {
    for (const key of Object.keys(ENV)) delete process.env[key];
    Object.assign(process.env, saved);
    forgetBuilt();
  });

  it('builds each port on its AWS adapter', () => {
    const dev = accessScope('dev', 'checkout-abc');
    expect(awsTrafficRouter({ listenerArn: 'arn:listener' }, dev)).toBeInstanceOf(Elbv2TrafficRouter);
    expect(awsAlarms(dev)).toBeInstanceOf(CloudWatchAlarmSource);
    expect(awsDeployer('ecs', dev)).toBeInstanceOf(EcsDeployer);
    expect(awsDeployer('external', dev)).toBeInstanceOf(ExternalDeployer);
    expect(awsBuildVerifier()).toBeInstanceOf(GitHubBuildVerifier);
    expect(awsReleases()).toBeInstanceOf(DynamoDbReleaseStore);
    expect(awsOrchestrator()).toBeInstanceOf(SfnOrchestrator);
    expect(awsSecrets()).toBeInstanceOf(SecretsManagerSecrets);
    expect(awsConfig().environments.map((e) => e.name)).toEqual(['dev', 'staging', 'prod']);
  });

  it('keeps one adapter per container until reset', () => {
    const first = awsReleases();
    const again = awsReleases();
    forgetBuilt();
    const rebuilt = awsReleases();

    expect(again).toBe(first);
    expect(rebuilt).not.toBe(first);
  });

  it('wires each handler with exactly the ports it declares', () => {
    // A handler wired without one of its ports, or with one it does not use, does not compile:
    // `npm run typecheck` fails on either line if the @ts-expect-error stops being needed.
    // @ts-expect-error releases is missing
    createShiftTrafficHandler({ trafficRouter: awsTrafficRouter, now: systemClock });
    createShiftTrafficHandler({
      trafficRouter: awsTrafficRouter,
      releases: awsReleases,
      now: systemClock,
      // @ts-expect-error alarms is not a port ShiftTraffic uses
      alarms: awsAlarms,
    });

    expect(
      typeof createShiftTrafficHandler({
        trafficRouter: awsTrafficRouter,
        releases: awsReleases,
        now: systemClock,
      }),
    ).toBe('function');
  });

  it('names the missing environment variable', () => {
    delete process.env.SLUICE_TABLE_NAME;

    expect(() => awsReleases()).toThrow(/SLUICE_TABLE_NAME/);
  });

  it('reads the config from the file the stack put next to the code, not from the environment', () => {
    const other = deployedConfig(loadConfig(CONFIG_FILE));
    process.env.LAMBDA_TASK_ROOT = functionCodeDir({ ...other, service: 'elsewhere' });

    expect(awsConfig().service).toBe('elsewhere');
  });

  it('refuses a config file that the stack did not write', () => {
    process.env.LAMBDA_TASK_ROOT = functionCodeDir({ hello: 'world' });

    expect(() => awsConfig()).toThrow('sluice-config.json is not a Sluice config written by the stack');
  });

  it('names LAMBDA_TASK_ROOT when it is missing', () => {
    delete process.env.LAMBDA_TASK_ROOT;

    expect(() => awsConfig()).toThrow(/LAMBDA_TASK_ROOT/);
  });
});
