import { CfnResource, type Duration, Stack } from 'aws-cdk-lib';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, type CfnFunction, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { CONFIG_FILE_NAME } from '../../functions/shared/aws/config-port.js';
import type { LambdaEnvInput } from '../../functions/shared/aws/env.js';
import { configJson, type SluiceConfig } from '../../functions/shared/domain/config.js';
import { cdkBundling } from '../bundling.js';
import { LAMBDA_ENVIRONMENT_MAX_BYTES, worstCaseEnvironmentBytes } from '../lambda-environment.js';

/** The newest Node.js runtime aws-cdk-lib 2.276 knows; cdk-nag (L1) flags anything older. */
export const SLUICE_RUNTIME = Runtime.NODEJS_24_X;

export interface SluiceFunctionProps {
  /** The handler module, e.g. functions/deploy/handler.ts; it exports `handler`. */
  readonly entry: string;
  /** Typed from the handlers' own zod schema: a missing variable is a compile error. */
  readonly environment: LambdaEnvInput;
  /** The validated config; it travels in the bundle as sluice-config.json, not in the environment. */
  readonly config: SluiceConfig;
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
      bundling: cdkBundling({ [CONFIG_FILE_NAME]: configJson(props.config) }),
    });
    // At synth, once every token can be resolved: a deploy would fail on every function with
    // "Lambda was unable to configure your environment variables ... exceeded the 4KB limit".
    this.node.addValidation({ validate: () => this.checkEnvironmentSize() });
  }

  /** The environment's size as Lambda measures it, with every token at its longest. */
  worstCaseEnvironmentBytes(): number {
    const stack = Stack.of(this);
    const cfn = this.function.node.defaultChild as CfnFunction;
    const resolved = stack.resolve(cfn.environment) as { variables?: Record<string, unknown> } | undefined;
    return worstCaseEnvironmentBytes(resolved?.variables ?? {}, resourceTypesOf(stack));
  }

  private checkEnvironmentSize(): string[] {
    const bytes = this.worstCaseEnvironmentBytes();
    return bytes > LAMBDA_ENVIRONMENT_MAX_BYTES
      ? [
          `the environment of ${this.node.path} measures up to ${bytes} bytes as Lambda counts it (JSON of all variables, tokens at their longest); Lambda allows ${LAMBDA_ENVIRONMENT_MAX_BYTES}`,
        ]
      : [];
  }
}

function resourceTypesOf(stack: Stack): Record<string, string> {
  return Object.fromEntries(
    stack.node
      .findAll()
      .filter((c): c is CfnResource => CfnResource.isCfnResource(c))
      .map((r) => [stack.resolve(r.logicalId) as string, r.cfnResourceType]),
  );
}

function definedOnly(env: LambdaEnvInput): Record<string, string> {
  return Object.fromEntries(
    Object.entries(env).filter((entry): entry is [string, string] => typeof entry[1] === 'string'),
  );
}
