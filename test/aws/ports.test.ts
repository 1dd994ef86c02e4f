import { fileURLToPath } from 'node:url';
import { CloudWatchAlarmSource } from '../../functions/shared/aws/cloudwatch-alarm-source.js';
import { DynamoDbReleaseStore } from '../../functions/shared/aws/dynamodb-release-store.js';
import { EcsDeployer, ExternalDeployer } from '../../functions/shared/aws/ecs-deployer.js';
import { Elbv2TrafficRouter } from '../../functions/shared/aws/elbv2-traffic-router.js';
import { GitHubBuildVerifier } from '../../functions/shared/aws/github-build-verifier.js';
import { awsPorts, resetAwsPorts } from '../../functions/shared/aws/ports.js';
import { SecretsManagerSecrets } from '../../functions/shared/aws/secrets-manager.js';
import { SfnOrchestrator } from '../../functions/shared/aws/sfn-orchestrator.js';
import { loadConfig } from '../../functions/shared/domain/load-config.js';

const CONFIG_FILE = fileURLToPath(new URL('../../sluice.config.yaml', import.meta.url));

const ENV = {
  SLUICE_CONFIG: JSON.stringify(loadConfig(CONFIG_FILE)),
  SLUICE_TABLE_NAME: 'sluice-releases',
  SLUICE_STATE_MACHINE_ARN: 'arn:aws:states:us-east-1:111111111111:stateMachine:sluice-release',
  SLUICE_GITHUB_WEBHOOK_SECRET_NAME: 'sluice/github-webhook',
  SLUICE_GITHUB_TOKEN_SECRET_NAME: 'sluice/github-token',
  SLUICE_SLACK_SIGNING_SECRET_NAME: 'sluice/slack-signing',
};

describe('Function: awsPorts', () => {
  const saved = { ...process.env };

  beforeEach(() => {
    resetAwsPorts();
    Object.assign(process.env, ENV);
  });

  afterEach(() => {
    for (const key of Object.keys(ENV)) delete process.env[key];
    Object.assign(process.env, saved);
    resetAwsPorts();
  });

  it('wires each port to its AWS adapter', () => {
    // Act
    const ports = awsPorts();

    // Assess
    expect(ports.trafficRouter({ listenerArn: 'arn:listener' })).toBeInstanceOf(Elbv2TrafficRouter);
    expect(ports.alarms()).toBeInstanceOf(CloudWatchAlarmSource);
    expect(ports.deployer('ecs')).toBeInstanceOf(EcsDeployer);
    expect(ports.deployer('external')).toBeInstanceOf(ExternalDeployer);
    expect(ports.buildVerifier()).toBeInstanceOf(GitHubBuildVerifier);
    expect(ports.releases()).toBeInstanceOf(DynamoDbReleaseStore);
    expect(ports.orchestrator()).toBeInstanceOf(SfnOrchestrator);
    expect(ports.secrets()).toBeInstanceOf(SecretsManagerSecrets);
    expect(ports.config().environments.length).toBeGreaterThan(0);
  });

  it('keeps one set of ports for the container until reset', () => {
    // Act
    const first = awsPorts();
    const again = awsPorts();
    resetAwsPorts();
    const rebuilt = awsPorts();

    // Assess
    expect(again).toBe(first);
    expect(rebuilt).not.toBe(first);
  });

  it('names the missing variable when the environment is incomplete', () => {
    // Prepare
    delete process.env.SLUICE_TABLE_NAME;

    // Act
    const building = () => awsPorts();

    // Assess
    expect(building).toThrow(/SLUICE_TABLE_NAME/);
  });
});
