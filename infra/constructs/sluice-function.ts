import { type Duration, Stack } from 'aws-cdk-lib';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { LambdaEnvInput } from '../../functions/shared/aws/env.js';
import { cdkBundling } from '../bundling.js';

/** Lambda caps a function's whole environment at 4 KB; this leaves room for the other variables. */
export const MAX_CONFIG_ENV_BYTES = 3584;

/** The newest Node.js runtime aws-cdk-lib 2.276 knows; cdk-nag (L1) flags anything older. */
export const SLUICE_RUNTIME = Runtime.NODEJS_24_X;

export interface SluiceFunctionProps {
  /** The handler module, e.g. functions/deploy/handler.ts; it exports `handler`. */
  readonly entry: string;
  /** Typed from the handlers' own zod schema: a missing variable is a compile error. */
  readonly environment: LambdaEnvInput;
  readonly description: string;
  readonly timeout: Duration;
  /**
   * @default 256
   */
  readonly memorySize?: number;
  /**
   * How long the function's logs are kept.
   * @default RetentionDays.ONE_MONTH
   */
  readonly logRetention?: RetentionDays;
}

/**
 * One Sluice Lambda: ESM bundle built by local esbuild, arm64, X-Ray, JSON logs into its own
 * log group, and its own role with no managed policies (callers add scoped statements).
 */
export class SluiceFunction extends Construct {
  readonly function: NodejsFunction;
  readonly role: Role;
  readonly logGroup: LogGroup;

  constructor(scope: Construct, id: string, props: SluiceFunctionProps) {
    super(scope, id);
    const configBytes = Buffer.byteLength(props.environment.SLUICE_CONFIG, 'utf8');
    if (configBytes > MAX_CONFIG_ENV_BYTES) {
      throw new Error(
        `SLUICE_CONFIG is ${configBytes} bytes; Lambda environments are capped at 4 KB in total, so Sluice allows ${MAX_CONFIG_ENV_BYTES}. Shorten the config (fewer environments or steps) or move it out of the environment.`,
      );
    }

    this.logGroup = new LogGroup(this, 'LogGroup', {
      retention: props.logRetention ?? RetentionDays.ONE_MONTH,
    });
    // An own role instead of the default one: the default attaches AWSLambdaBasicExecutionRole,
    // which may write to every log group in the account.
    this.role = new Role(this, 'Role', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `${props.description} (${Stack.of(this).stackName})`,
    });
    this.logGroup.grantWrite(this.role);

    this.function = new NodejsFunction(this, 'Function', {
      entry: props.entry,
      handler: 'handler',
      description: props.description,
      runtime: SLUICE_RUNTIME,
      architecture: Architecture.ARM_64,
      timeout: props.timeout,
      memorySize: props.memorySize ?? 256,
      tracing: Tracing.ACTIVE,
      role: this.role,
      logGroup: this.logGroup,
      environment: definedOnly(props.environment),
      bundling: cdkBundling(),
    });
  }
}

function definedOnly(env: LambdaEnvInput): Record<string, string> {
  return Object.fromEntries(
    Object.entries(env).filter((entry): entry is [string, string] => typeof entry[1] === 'string'),
  );
}
