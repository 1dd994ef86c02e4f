import type { Statement } from './evaluator.js';

// biome-ignore lint/suspicious/noExplicitAny: synthesized CloudFormation is untyped JSON.
type Json = any;

export interface CfnResource {
  Type: string;
  Properties?: Json;
  Metadata?: Json;
}

/** Where the stack is deployed: the values of its pseudo parameters. */
export interface StackEnv {
  partition: string;
  region: string;
  account: string;
  stackName: string;
}

/**
 * Resolves CloudFormation intrinsics to the strings CloudFormation would produce on deploy, with
 * each resource's generated physical name stood in for by its logical id. Anything it does not
 * know throws, so a statement is never judged on a resource it could not read.
 */
export class TemplateResolver {
  constructor(
    private readonly resources: Record<string, CfnResource>,
    private readonly env: StackEnv,
  ) {}

  resolve(value: Json): Json {
    if (typeof value !== 'object' || value === null) return value;
    if (Array.isArray(value)) return value.map((v) => this.resolve(v));
    const keys = Object.keys(value);
    if (keys.length === 1) {
      const [key] = keys as [string];
      const arg = value[key];
      if (key === 'Ref') return this.ref(arg);
      if (key === 'Fn::GetAtt') return this.getAtt(arg[0], arg[1]);
      if (key === 'Fn::Join') return (this.resolve(arg[1]) as string[]).join(arg[0]);
      if (key === 'Fn::Sub') return this.sub(arg);
      if (key === 'Fn::Select') return (this.resolve(arg[1]) as Json[])[Number(this.resolve(arg[0]))];
      if (key === 'Fn::Split') return (this.resolve(arg[1]) as string).split(arg[0]);
      if (key.startsWith('Fn::')) throw new Error(`cannot resolve ${key}`);
    }
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, this.resolve(v)]));
  }

  private pseudo(name: string): string | undefined {
    const values: Record<string, string> = {
      'AWS::Partition': this.env.partition,
      'AWS::Region': this.env.region,
      'AWS::AccountId': this.env.account,
      'AWS::StackName': this.env.stackName,
      'AWS::URLSuffix': 'amazonaws.com',
    };
    return values[name];
  }

  private resource(logicalId: string): CfnResource {
    const resource = this.resources[logicalId];
    if (!resource) throw new Error(`no resource ${logicalId}`);
    return resource;
  }

  private arn(service: string, resource: string, region = this.env.region, account = this.env.account) {
    return `arn:${this.env.partition}:${service}:${region}:${account}:${resource}`;
  }

  /** Ref: the physical name (or, for state machines, the ARN) CloudFormation documents for each type. */
  ref(logicalId: string): string {
    const pseudo = this.pseudo(logicalId);
    if (pseudo !== undefined) return pseudo;
    const r = this.resource(logicalId);
    const props = r.Properties ?? {};
    switch (r.Type) {
      case 'AWS::DynamoDB::Table':
        return props.TableName ?? logicalId;
      case 'AWS::StepFunctions::StateMachine':
        return this.arn('states', `stateMachine:${props.StateMachineName ?? logicalId}`);
      case 'AWS::SQS::Queue':
        return `https://sqs.${this.env.region}.amazonaws.com/${this.env.account}/${props.QueueName ?? logicalId}`;
      case 'AWS::Logs::LogGroup':
        return props.LogGroupName ?? logicalId;
      default:
        return logicalId;
    }
  }

  getAtt(logicalId: string, attribute: string): string {
    const r = this.resource(logicalId);
    const name = this.ref(logicalId);
    const key = `${r.Type}.${attribute}`;
    switch (key) {
      case 'AWS::DynamoDB::Table.Arn':
        return this.arn('dynamodb', `table/${name}`);
      case 'AWS::DynamoDB::Table.StreamArn':
        return this.arn('dynamodb', `table/${name}/stream/2026-01-01T00:00:00.000`);
      case 'AWS::StepFunctions::StateMachine.Arn':
        return name;
      case 'AWS::StepFunctions::StateMachine.Name':
        return r.Properties?.StateMachineName ?? logicalId;
      case 'AWS::IAM::Role.Arn':
        return `arn:${this.env.partition}:iam::${this.env.account}:role/${r.Properties?.RoleName ?? logicalId}`;
      case 'AWS::Lambda::Function.Arn':
        return this.arn('lambda', `function:${logicalId}`);
      case 'AWS::SQS::Queue.Arn':
        return this.arn('sqs', r.Properties?.QueueName ?? logicalId);
      case 'AWS::Logs::LogGroup.Arn':
        return this.arn('logs', `log-group:${name}:*`);
      case 'AWS::Events::EventBus.Arn':
        return this.arn('events', `event-bus/${logicalId}`);
      default:
        throw new Error(`cannot resolve Fn::GetAtt ${logicalId}.${attribute} (${r.Type})`);
    }
  }

  private sub(arg: Json): string {
    const [template, vars] = Array.isArray(arg) ? arg : [arg, {}];
    return (template as string).replace(/\$\{([^}!]+)\}/g, (_, name: string) => {
      if (name in vars) return String(this.resolve(vars[name]));
      const [id, attribute] = name.split('.');
      return attribute ? this.getAtt(id!, attribute) : this.ref(id!);
    });
  }
}

/** The resolved identity policy statements of a Lambda function: every AWS::IAM::Policy on its role. */
export function functionStatements(
  resources: Record<string, CfnResource>,
  resolver: TemplateResolver,
  functionLogicalId: string,
): Statement[] {
  const fn = resources[functionLogicalId];
  if (fn?.Type !== 'AWS::Lambda::Function') throw new Error(`${functionLogicalId} is not a Lambda function`);
  const role = fn.Properties.Role['Fn::GetAtt']?.[0] as string;
  const roleResource = resources[role]!;
  const inline = (roleResource.Properties?.Policies ?? []).flatMap(
    (p: Json) => p.PolicyDocument.Statement as Statement[],
  );
  const attached = Object.values(resources)
    .filter((r) => r.Type === 'AWS::IAM::Policy')
    .filter((r) => (r.Properties.Roles as Json[]).some((ref) => ref?.Ref === role))
    .flatMap((r) => r.Properties.PolicyDocument.Statement as Statement[]);
  return resolver.resolve([...inline, ...attached]) as Statement[];
}

/** The resolved environment variables of a Lambda function. */
export function functionEnvironment(
  resources: Record<string, CfnResource>,
  resolver: TemplateResolver,
  functionLogicalId: string,
): Record<string, string> {
  return resolver.resolve(resources[functionLogicalId]!.Properties.Environment?.Variables ?? {});
}
