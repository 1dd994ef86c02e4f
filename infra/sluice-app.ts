import { type App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import type { SluiceConfig } from '../functions/shared/domain/config.js';
import { SluiceStack, type SluiceStackProps, sluiceStackName } from './sluice-stack.js';

export interface SluiceAppOptions {
  readonly config: SluiceConfig;
  /**
   * Run cdk-nag (AwsSolutions and Serverless) when the app synthesizes.
   * @default true
   */
  readonly nag?: boolean;
}

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

/** Adds the checks and the one stack of a Sluice installation to an app. */
export function addSluice(app: App, options: SluiceAppOptions): SluiceStack {
  if (options.nag ?? true) {
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new ServerlessChecks(app));
  }
  return new SluiceStack(app, sluiceStackName(options.config), {
    config: options.config,
    description: `Sluice release orchestrator for ${options.config.repository} (${options.config.service})`,
    // Known when the CDK CLI has credentials: then the stack checks every ARN is in its account and region.
    ...(process.env.CDK_DEFAULT_ACCOUNT && process.env.CDK_DEFAULT_REGION
      ? { env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION } }
      : {}),
    ...stackPropsFromContext(app),
  });
}
