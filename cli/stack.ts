import {
  CloudFormationClient,
  DescribeStacksCommand,
  type DescribeStacksCommandOutput,
} from '@aws-sdk/client-cloudformation';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { SFNClient } from '@aws-sdk/client-sfn';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { DynamoDbReleaseStore } from '../functions/shared/aws/dynamodb-release-store.js';
import { Elbv2TrafficRouter } from '../functions/shared/aws/elbv2-traffic-router.js';
import { EnvironmentClients } from '../functions/shared/aws/environment-clients.js';
import { SfnOrchestrator } from '../functions/shared/aws/sfn-orchestrator.js';
import type { ManualControlPorts, StatusPorts } from '../functions/shared/control/manual-control.js';
import type { AccessScope } from '../functions/shared/domain/accounts.js';
import { configDigest, type SluiceConfig } from '../functions/shared/domain/config.js';
import { systemClock } from '../functions/shared/ports/index.js';
import type { ListenerRef } from '../functions/shared/ports/traffic-router.js';

/** The outputs of the Sluice stack that the terminal commands need (infra/sluice-stack.ts). */
const OUTPUTS = ['StateMachineArn', 'ReleaseTableName', 'ConfigDigest'] as const;
type StackOutputs = Record<(typeof OUTPUTS)[number], string>;

export class StackError extends Error {
  override readonly name = 'StackError';
}

export interface StackTarget {
  stack: string;
  /** @default the SDK's region chain (AWS_REGION, profile) */
  region?: string;
}

/** A deployed Sluice, reached with the caller's own AWS credentials. */
export interface DeployedSluice {
  ports: ManualControlPorts & StatusPorts;
  /** The caller's ARN (STS GetCallerIdentity): the actor recorded for what they do. */
  caller: string;
}

async function readOutputs(client: CloudFormationClient, stack: string): Promise<StackOutputs> {
  let described: DescribeStacksCommandOutput;
  try {
    described = await client.send(new DescribeStacksCommand({ StackName: stack }));
  } catch (error) {
    throw new StackError(`cannot read stack ${stack}: ${(error as Error).message}`);
  }
  const outputs = Object.fromEntries(
    (described.Stacks?.[0]?.Outputs ?? []).map((o) => [o.OutputKey ?? '', o.OutputValue ?? '']),
  );
  const missing = OUTPUTS.filter((key) => !outputs[key]);
  if (missing.length > 0) {
    throw new StackError(`stack ${stack} has no ${missing.join(', ')} output: is it a Sluice stack?`);
  }
  return outputs as StackOutputs;
}

/**
 * Connects to a deployed stack: reads its outputs, refuses a config file that differs from the
 * one deployed (the listeners and groups the commands act on come from it), and names the caller.
 */
export async function connectToStack(target: StackTarget, config: SluiceConfig): Promise<DeployedSluice> {
  const clientConfig = target.region ? { region: target.region } : {};
  const outputs = await readOutputs(new CloudFormationClient(clientConfig), target.stack);
  if (outputs.ConfigDigest !== configDigest(config)) {
    throw new StackError(
      `the config file differs from the one stack ${target.stack} runs (digest ${configDigest(config)}, deployed ${outputs.ConfigDigest}); use the file it was deployed from, or deploy this one first`,
    );
  }
  const identity = await new STSClient(clientConfig).send(new GetCallerIdentityCommand({}));
  if (!identity.Arn) throw new StackError('STS GetCallerIdentity returned no ARN');
  const caller = identity.Arn;
  const releases = new DynamoDbReleaseStore(new DynamoDBClient(clientConfig), outputs.ReleaseTableName);
  const orchestrator = new SfnOrchestrator(new SFNClient(clientConfig), outputs.StateMachineArn);
  // Every environment adapter is built through EnvironmentClients with the operator's own
  // credentials as the base: an environment with `account` is reached through its role, one
  // without with those credentials, as before. The scope's actor is always the caller's ARN (never
  // --by): the role session's SourceIdentity names the human in the environment account's
  // CloudTrail, and the target role's trust admits an operator only with one.
  const clients = new EnvironmentClients({ config: () => config, base: clientConfig });
  const elbv2 = (listener: ListenerRef, scope: AccessScope) =>
    clients.client(ElasticLoadBalancingV2Client, { ...scope, actor: caller }, [
      listener.listenerArn,
      listener.ruleArn,
    ]);
  return {
    caller,
    ports: {
      config: () => config,
      releases: () => releases,
      orchestrator: () => orchestrator,
      trafficRouter: (listener, scope) => new Elbv2TrafficRouter(elbv2(listener, scope), listener),
      trafficReader: (listener, scope) => new Elbv2TrafficRouter(elbv2(listener, scope), listener),
      now: systemClock,
    },
  };
}
