import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ECSClient } from '@aws-sdk/client-ecs';
import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SFNClient } from '@aws-sdk/client-sfn';
import { parseConfig, type SluiceConfig } from '../domain/config.js';
import type { Ports } from '../ports/index.js';
import { CloudWatchAlarmSource } from './cloudwatch-alarm-source.js';
import { DynamoDbReleaseStore } from './dynamodb-release-store.js';
import { EcsDeployer, ExternalDeployer } from './ecs-deployer.js';
import { Elbv2TrafficRouter } from './elbv2-traffic-router.js';
import { readLambdaEnv } from './env.js';
import { GitHubBuildVerifier } from './github-build-verifier.js';
import { SecretsManagerSecrets } from './secrets-manager.js';
import { SfnOrchestrator } from './sfn-orchestrator.js';

/** Secrets are cached this long per container, so a rotation reaches every Lambda within it. */
const SECRET_TTL_MS = 5 * 60_000;

let cached: Ports | undefined;

/**
 * The AWS adapters, built on first use from the Lambda's environment and kept for the
 * container's life, so SDK clients and the secret cache survive between invocations.
 */
export function awsPorts(): Ports {
  if (cached) return cached;
  const env = readLambdaEnv();
  const config: SluiceConfig = parseConfig(JSON.parse(env.SLUICE_CONFIG), 'SLUICE_CONFIG');
  const elbv2 = new ElasticLoadBalancingV2Client({});
  const secrets = new SecretsManagerSecrets(
    new SecretsManagerClient({}),
    {
      'github-webhook': env.SLUICE_GITHUB_WEBHOOK_SECRET_NAME,
      'github-token': env.SLUICE_GITHUB_TOKEN_SECRET_NAME,
      'slack-signing': env.SLUICE_SLACK_SIGNING_SECRET_NAME,
    },
    SECRET_TTL_MS,
  );
  const alarms = new CloudWatchAlarmSource(new CloudWatchClient({}));
  const releases = new DynamoDbReleaseStore(new DynamoDBClient({}), env.SLUICE_TABLE_NAME);
  const orchestrator = new SfnOrchestrator(new SFNClient({}), env.SLUICE_STATE_MACHINE_ARN);
  const buildVerifier = new GitHubBuildVerifier(() => secrets.get('github-token'), env.SLUICE_GITHUB_API_URL);
  const ecs = new EcsDeployer(new ECSClient({}));
  const external = new ExternalDeployer();
  cached = {
    config: () => config,
    trafficRouter: (listener) => new Elbv2TrafficRouter(elbv2, listener),
    alarms: () => alarms,
    deployer: (provider) => (provider === 'ecs' ? ecs : external),
    buildVerifier: () => buildVerifier,
    releases: () => releases,
    orchestrator: () => orchestrator,
    secrets: () => secrets,
    now: () => new Date(),
  };
  return cached;
}

/** Forgets the cached ports, so a test can build them again from a changed environment. */
export function resetAwsPorts(): void {
  cached = undefined;
}
