import { fileURLToPath } from 'node:url';
import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';
import type { LambdaEnvInput } from '../functions/shared/aws/env.js';
import type { SluiceConfig } from '../functions/shared/domain/config.js';
import { AlarmRollback } from './constructs/alarm-rollback.js';
import { ReleaseStateMachine } from './constructs/release-state-machine.js';
import { ReleaseStore } from './constructs/release-store.js';
import type { SluiceFunction } from './constructs/sluice-function.js';
import { defaultSecretNames, type SecretNames, SluiceSecrets } from './constructs/sluice-secrets.js';
import { TaskFunctions } from './constructs/task-functions.js';
import { WebhookEndpoints } from './constructs/webhook-endpoints.js';
import { acknowledgeFindings } from './nag.js';
import {
  alarmReadStatements,
  ecsDeployStatements,
  ecsWildcardReasons,
  trafficReadStatements,
  trafficWriteStatements,
} from './policies.js';

export interface SluiceStackProps extends StackProps {
  /** The validated Sluice config (loadConfig). */
  readonly config: SluiceConfig;
  /**
   * Secrets Manager names of the GitHub webhook secret, the GitHub token and the Slack signing secret.
   * @default sluice/<service>/github-webhook, sluice/<service>/github-token, sluice/<service>/slack-signing
   */
  readonly secretNames?: Partial<SecretNames>;
  /**
   * The GitHub API base URL (GitHub Enterprise Server has its own).
   * @default https://api.github.com
   */
  readonly githubApiUrl?: string;
  /**
   * Task and execution roles the Deploy function may pass to ECS when it registers a revision.
   * @default every role in each configured account, passable only to ecs-tasks.amazonaws.com
   */
  readonly ecsPassRoleArns?: string[];
  /**
   * The directory holding `functions/` and `statemachines/`.
   * @default the repository this file is in
   */
  readonly projectRoot?: string;
}

/** One Sluice installation: the stack's name comes from the config's service (Sluice-<service>). */
export function sluiceStackName(config: SluiceConfig): string {
  return `Sluice-${config.service}`;
}

/**
 * The Lambdas' SLUICE_CONFIG: the validated config as JSON, without the `embedded` section that
 * only the embedded runtime reads (Lambda's environment is capped at 4 KB).
 */
export function lambdaConfigJson(config: SluiceConfig): string {
  const { embedded: _embedded, ...deployed } = config;
  return JSON.stringify(deployed);
}

/** Wiring only: which construct gets which permission lives here, each construct owns its resources. */
export class SluiceStack extends Stack {
  constructor(scope: Construct, id: string, props: SluiceStackProps) {
    super(scope, id, props);
    const { config } = props;
    const root = props.projectRoot ?? fileURLToPath(new URL('..', import.meta.url));
    const entryFor = (dir: string) => `${root}/functions/${dir}/handler.ts`;

    const secrets = new SluiceSecrets(this, 'Secrets', {
      names: { ...defaultSecretNames(config.service), ...props.secretNames },
    });
    const store = new ReleaseStore(this, 'ReleaseStore');

    // A fixed name breaks the cycle: the Lambdas need the ARN, the state machine needs the Lambdas.
    const stateMachineName = `sluice-${config.service}-release`;
    const environment: LambdaEnvInput = {
      SLUICE_CONFIG: lambdaConfigJson(config),
      SLUICE_TABLE_NAME: store.table.tableName,
      SLUICE_STATE_MACHINE_ARN: ReleaseStateMachine.arnFor(this, stateMachineName),
      SLUICE_GITHUB_WEBHOOK_SECRET_NAME: secrets.names['github-webhook'],
      SLUICE_GITHUB_TOKEN_SECRET_NAME: secrets.names['github-token'],
      SLUICE_SLACK_SIGNING_SECRET_NAME: secrets.names['slack-signing'],
      SLUICE_GITHUB_API_URL: props.githubApiUrl ?? 'https://api.github.com',
    };

    const tasks = new TaskFunctions(this, 'Tasks', { entryFor, environment });
    const release = new ReleaseStateMachine(this, 'Release', {
      definitionFile: `${root}/statemachines/release.asl.json`,
      stateMachineName,
      functions: tasks.placeholderFunctions(),
    });
    const webhooks = new WebhookEndpoints(this, 'Webhooks', {
      githubWebhookEntry: entryFor('github-webhook'),
      environment,
    });
    const safetyNet = new AlarmRollback(this, 'AlarmRollback', {
      alarmRollbackEntry: entryFor('alarm-rollback'),
      releaseGuardEntry: entryFor('release-guard'),
      environment,
      alarmNames: [...new Set(config.environments.flatMap((env) => env.alarms))],
      stateMachineArn: release.stateMachine.stateMachineArn,
    });

    const t = tasks.functions;
    const { alarmRollback, releaseGuard } = safetyNet;
    const grant = (fns: SluiceFunction[], statements: PolicyStatement[]) => {
      for (const fn of fns) for (const s of statements) fn.role.addToPrincipalPolicy(s.copy());
    };

    // Who reads the listener, who moves traffic (restoring it counts), who touches the store.
    const readers = [t.BeginRelease, t.Deploy, t.ShiftTraffic, t.Rollback, alarmRollback, releaseGuard];
    const shifters = [t.BeginRelease, t.ShiftTraffic, t.Rollback, alarmRollback, releaseGuard];
    grant(readers, trafficReadStatements());
    grant(shifters, trafficWriteStatements(config));
    for (const fn of [...readers, t.RecordRelease]) store.grantReadWrite(fn.role);
    grant([t.CheckAlarms], alarmReadStatements(config));
    const ecsStatements = ecsDeployStatements(config, { passRoleArns: props.ecsPassRoleArns });
    grant([t.Deploy], ecsStatements);
    secrets.grantRead('github-token', t.VerifyBuild.role);
    secrets.grantRead('github-webhook', webhooks.githubWebhook.role);
    release.grantStartExecution(webhooks.githubWebhook.role);
    // BeginRelease stops the execution it supersedes; alarm-rollback stops the one it rolls back.
    release.grantStopExecution(t.BeginRelease.role);
    release.grantStopExecution(alarmRollback.role);

    acknowledgeFindings({
      stateMachineName,
      tasks,
      release,
      webhooks,
      safetyNet,
      ecsWildcards: ecsWildcardReasons(ecsStatements),
    });

    new CfnOutput(this, 'GithubWebhookUrl', {
      description: 'GitHub webhook Payload URL: content type application/json, push events',
      value: webhooks.githubWebhookUrl,
    });
    new CfnOutput(this, 'StateMachineArn', { value: release.stateMachine.stateMachineArn });
    new CfnOutput(this, 'ReleaseTableName', { value: store.table.tableName });
    new CfnOutput(this, 'DeadLetterQueueUrl', { value: safetyNet.deadLetterQueue.queueUrl });
  }
}
