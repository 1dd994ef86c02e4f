import { type App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import { targetStackName } from '../functions/shared/domain/accounts.js';
import type { SluiceConfig } from '../functions/shared/domain/config.js';
import {
  type Delivery,
  deliveryFromContext,
  remoteEnvironments,
  requireDelivery,
  targetEnvOf,
} from './accounts.js';
import { SluiceStack, type SluiceStackProps, sluiceStackName } from './sluice-stack.js';
import { SluiceTargetStack } from './target-stack.js';

export interface SluiceAppOptions {
  readonly config: SluiceConfig;
  /**
   * Run cdk-nag (AwsSolutions and Serverless) when the app synthesizes.
   * @default true
   */
  readonly nag?: boolean;
  /**
   * The delivery account and region, when an environment lives in its own account.
   * @default the context `sluice:deliveryAccount` and `sluice:deliveryRegion`
   */
  readonly delivery?: Partial<Delivery>;
}

const listFromContext = (value: unknown): string[] | undefined =>
  value === undefined
    ? undefined
    : Array.isArray(value)
      ? value.map(String)
      : String(value).split(',').filter(Boolean);

/** Reads the stack options Sluice accepts as CDK context (`cdk synth -c sluice:githubApiUrl=...`). */
export function stackPropsFromContext(app: App): Omit<SluiceStackProps, 'config'> {
  const ctx = (key: string): string | undefined => app.node.tryGetContext(key);
  const passRoles = ctx('sluice:ecsPassRoleArns');
  return {
    secretNames: {
      ...(ctx('sluice:githubWebhookSecretName')
        ? { 'github-webhook': ctx('sluice:githubWebhookSecretName') }
        : {}),
      ...(ctx('sluice:githubTokenSecretName') ? { 'github-token': ctx('sluice:githubTokenSecretName') } : {}),
      ...(ctx('sluice:slackBotTokenSecretName')
        ? { 'slack-bot-token': ctx('sluice:slackBotTokenSecretName') }
        : {}),
      ...(ctx('sluice:slackSigningSecretName')
        ? { 'slack-signing': ctx('sluice:slackSigningSecretName') }
        : {}),
    },
    ...(ctx('sluice:githubApiUrl') ? { githubApiUrl: ctx('sluice:githubApiUrl') } : {}),
    ...(passRoles
      ? {
          ecsPassRoleArns: Array.isArray(passRoles)
            ? passRoles
            : String(passRoles).split(',').filter(Boolean),
        }
      : {}),
  };
}

/**
 * Adds the checks and the stacks of a Sluice installation to an app: the delivery stack
 * `Sluice-<service>`, and one `SluiceTarget-<service>-<env>` per environment in its own account,
 * each to deploy in that account (docs/deploy.md, "Environments in other AWS accounts").
 */
export function addSluice(app: App, options: SluiceAppOptions): SluiceStack {
  const { config } = options;
  if (options.nag ?? true) {
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new ServerlessChecks(app));
  }
  const delivery = requireDelivery(config, { ...deliveryFromContext(app), ...options.delivery });
  const fromContext = stackPropsFromContext(app);
  const stack = new SluiceStack(app, sluiceStackName(config), {
    config,
    description: `Sluice release orchestrator for ${config.repository} (${config.service})`,
    // With environments in other accounts, the delivery account and region are given (their
    // target stacks trust its functions by ARN). Otherwise known when the CDK CLI has
    // credentials: then the stack checks every ARN is in its account and region.
    ...(delivery
      ? { env: delivery }
      : process.env.CDK_DEFAULT_ACCOUNT && process.env.CDK_DEFAULT_REGION
        ? { env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION } }
        : {}),
    ...fromContext,
  });
  if (!delivery) return stack;
  const operatorPrincipalArns = listFromContext(app.node.tryGetContext('sluice:operatorPrincipalArns'));
  for (const { env, account } of remoteEnvironments(config)) {
    new SluiceTargetStack(app, targetStackName(config.service, env.name), {
      config,
      environment: env,
      account,
      delivery,
      env: targetEnvOf(account, delivery),
      description: `Sluice: the role and alarm forwarding of ${config.service}'s ${env.name} environment, for Sluice-${config.service} in ${delivery.account}`,
      ...(operatorPrincipalArns ? { operatorPrincipalArns } : {}),
      ...(fromContext.ecsPassRoleArns ? { ecsPassRoleArns: fromContext.ecsPassRoleArns } : {}),
    });
  }
  return stack;
}
