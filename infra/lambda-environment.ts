import type { LambdaEnvInput } from '../functions/shared/aws/env.js';
import type { SecretName } from '../functions/shared/ports/secrets.js';

// Pure on purpose (no aws-cdk-lib): `sluice validate` measures the same environment the stack
// builds, and the CLI must not need the CDK.

/**
 * Lambda quota "Environment variables: 4 KB, for all environment variables associated with the
 * function, in total" (not adjustable). Lambda measures the Variables map serialized as JSON:
 * its 4 KB error quotes the string it measured, `{"KEY":"value",…}` with a value's own quotes
 * escaped (github-aws-runners/terraform-aws-github-runner#3594), and LocalStack's AWS-validated
 * test measures `json.dumps(environment)` (localstack/localstack#6862).
 */
export const LAMBDA_ENVIRONMENT_MAX_BYTES = 4096;

/**
 * The longest value each CloudFormation token can resolve to.
 * - partition, region, URL suffix: the longest that aws-cdk-lib's region-info knows
 *   (`aws-us-gov`, `us-isof-south-1`, `csp.hci.ic.gov`/`amazonaws.com.cn`); a test compares
 *   them with region-info, so an upgrade that learns a longer one fails until they are raised.
 * - account id: 12 digits.
 * - DynamoDB table name (Ref of a table whose name CloudFormation generates): DynamoDB's naming
 *   rules allow 3–255 characters, and CloudFormation does not document the length it generates.
 * - stack name: CloudFormation allows 128 characters.
 */
export const TOKEN_WORST_CASE = {
  partition: 10,
  region: 15,
  urlSuffix: 16,
  accountId: 12,
  stackName: 128,
  dynamoDbTableName: 255,
} as const;

/** What a Ref resolves to, by resource type, at its longest. */
const REF_WORST_CASE: Record<string, number> = {
  'AWS::DynamoDB::Table': TOKEN_WORST_CASE.dynamoDbTableName,
};

const PSEUDO_PARAMETER_WORST_CASE: Record<string, number> = {
  'AWS::Partition': TOKEN_WORST_CASE.partition,
  'AWS::Region': TOKEN_WORST_CASE.region,
  'AWS::URLSuffix': TOKEN_WORST_CASE.urlSuffix,
  'AWS::AccountId': TOKEN_WORST_CASE.accountId,
  'AWS::StackName': TOKEN_WORST_CASE.stackName,
};

export class UnmeasurableTokenError extends Error {
  override name = 'UnmeasurableTokenError';
}

/**
 * A string as long as the longest value a CloudFormation expression can resolve to. The filler
 * is a character JSON does not escape, as none of the names and ARNs it stands for need escaping.
 * A token with no known worst case throws, so a new kind of variable cannot pass unmeasured.
 */
export function worstCaseValue(value: unknown, resourceTypes: Readonly<Record<string, string>>): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const entries = Object.entries(value);
    const [intrinsic, argument] = entries[0] ?? [];
    if (entries.length === 1 && intrinsic === 'Ref' && typeof argument === 'string') {
      const length = PSEUDO_PARAMETER_WORST_CASE[argument] ?? REF_WORST_CASE[resourceTypes[argument] ?? ''];
      if (length !== undefined) return 'x'.repeat(length);
      throw new UnmeasurableTokenError(
        `no worst-case length for Ref ${argument} (${resourceTypes[argument] ?? 'not a resource of the stack'})`,
      );
    }
    if (entries.length === 1 && intrinsic === 'Fn::Join' && Array.isArray(argument)) {
      const [separator, parts] = argument as [unknown, unknown];
      if (typeof separator === 'string' && Array.isArray(parts)) {
        return parts.map((part) => worstCaseValue(part, resourceTypes)).join(separator);
      }
    }
  }
  throw new UnmeasurableTokenError(`no worst-case length for ${JSON.stringify(value)}`);
}

/** The bytes Lambda counts against LAMBDA_ENVIRONMENT_MAX_BYTES: the whole map as JSON. */
export function environmentBytes(variables: Readonly<Record<string, string>>): number {
  return Buffer.byteLength(JSON.stringify(variables), 'utf8');
}

/** A function's environment as synthesized (values may be CloudFormation expressions), at its longest. */
export function worstCaseEnvironmentBytes(
  variables: Readonly<Record<string, unknown>>,
  resourceTypes: Readonly<Record<string, string>> = {},
): number {
  return environmentBytes(
    Object.fromEntries(
      Object.entries(variables).map(([key, value]) => [key, worstCaseValue(value, resourceTypes)]),
    ),
  );
}

export type SecretNames = Record<SecretName, string>;

/** sluice/<service>/github-webhook, …/github-token, …/slack-signing, …/slack-bot-token */
export function defaultSecretNames(service: string): SecretNames {
  return {
    'github-webhook': `sluice/${service}/github-webhook`,
    'github-token': `sluice/${service}/github-token`,
    'slack-signing': `sluice/${service}/slack-signing`,
    'slack-bot-token': `sluice/${service}/slack-bot-token`,
  };
}

export const DEFAULT_GITHUB_API_URL = 'https://api.github.com';

/** Fixed names: they break the cycle (the Lambdas need the ARN, the state machine needs the Lambdas). */
export function stateMachineNames(service: string): { release: string; pipeline: string } {
  return { release: `sluice-${service}-release`, pipeline: `sluice-${service}-pipeline` };
}

export interface LambdaEnvironmentParts {
  readonly tableName: string;
  readonly stateMachineArn: string;
  readonly pipelineStateMachineArn: string;
  readonly secretNames: SecretNames;
  readonly githubApiUrl: string;
}

/** Every Sluice Lambda's environment. The config is not in it: it travels in the bundle (D1). */
export function lambdaEnvironment(parts: LambdaEnvironmentParts): LambdaEnvInput {
  return {
    SLUICE_TABLE_NAME: parts.tableName,
    SLUICE_STATE_MACHINE_ARN: parts.stateMachineArn,
    SLUICE_PIPELINE_STATE_MACHINE_ARN: parts.pipelineStateMachineArn,
    SLUICE_GITHUB_WEBHOOK_SECRET_NAME: parts.secretNames['github-webhook'],
    SLUICE_GITHUB_TOKEN_SECRET_NAME: parts.secretNames['github-token'],
    SLUICE_SLACK_SIGNING_SECRET_NAME: parts.secretNames['slack-signing'],
    SLUICE_SLACK_BOT_TOKEN_SECRET_NAME: parts.secretNames['slack-bot-token'],
    SLUICE_GITHUB_API_URL: parts.githubApiUrl,
  };
}

export interface EnvironmentMeasure {
  readonly bytes: number;
  readonly limit: number;
  readonly margin: number;
}

/**
 * The worst case of the environment the stack gives every function for this service, for
 * `sluice validate`: the table name and the state machines' partition, region and account at
 * their longest, the secret names and API URL as given (by default the defaults).
 */
export function stackEnvironmentWorstCase(
  service: string,
  options: { secretNames?: Partial<SecretNames>; githubApiUrl?: string } = {},
): EnvironmentMeasure {
  const names = stateMachineNames(service);
  const arn = (name: string) => ({
    'Fn::Join': [
      '',
      [
        'arn:',
        { Ref: 'AWS::Partition' },
        ':states:',
        { Ref: 'AWS::Region' },
        ':',
        { Ref: 'AWS::AccountId' },
        `:stateMachine:${name}`,
      ],
    ],
  });
  const variables = lambdaEnvironment({
    tableName: 'table',
    stateMachineArn: 'release',
    pipelineStateMachineArn: 'pipeline',
    secretNames: { ...defaultSecretNames(service), ...options.secretNames },
    githubApiUrl: options.githubApiUrl ?? DEFAULT_GITHUB_API_URL,
  });
  const bytes = worstCaseEnvironmentBytes(
    {
      ...variables,
      SLUICE_TABLE_NAME: { Ref: 'Table' },
      SLUICE_STATE_MACHINE_ARN: arn(names.release),
      SLUICE_PIPELINE_STATE_MACHINE_ARN: arn(names.pipeline),
    },
    { Table: 'AWS::DynamoDB::Table' },
  );
  return { bytes, limit: LAMBDA_ENVIRONMENT_MAX_BYTES, margin: LAMBDA_ENVIRONMENT_MAX_BYTES - bytes };
}
