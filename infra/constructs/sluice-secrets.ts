import type { IGrantable } from 'aws-cdk-lib/aws-iam';
import { type ISecret, Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import type { SecretName } from '../../functions/shared/ports/secrets.js';
import type { SecretNames } from '../lambda-environment.js';

// In lambda-environment.ts, which `sluice validate` loads without the CDK.
export { defaultSecretNames, type SecretNames } from '../lambda-environment.js';

export interface SluiceSecretsProps {
  /** Secrets Manager names; the secrets are created outside the stack, so no value is ever in a template. */
  readonly names: SecretNames;
}

/** References to the secrets Sluice reads, by name. */
export class SluiceSecrets extends Construct {
  readonly names: SecretNames;
  private readonly secrets: Record<SecretName, ISecret>;

  constructor(scope: Construct, id: string, props: SluiceSecretsProps) {
    super(scope, id);
    this.names = props.names;
    this.secrets = {
      'github-webhook': Secret.fromSecretNameV2(this, 'GithubWebhook', props.names['github-webhook']),
      'github-token': Secret.fromSecretNameV2(this, 'GithubToken', props.names['github-token']),
      'slack-signing': Secret.fromSecretNameV2(this, 'SlackSigning', props.names['slack-signing']),
      'slack-bot-token': Secret.fromSecretNameV2(this, 'SlackBotToken', props.names['slack-bot-token']),
    };
  }

  /**
   * GetSecretValue (and DescribeSecret) on that one secret; the ARN ends in `-??????`, matching
   * the six random characters Secrets Manager appends, so no other secret matches.
   */
  grantRead(name: SecretName, grantee: IGrantable): void {
    this.secrets[name].grantRead(grantee);
  }
}
