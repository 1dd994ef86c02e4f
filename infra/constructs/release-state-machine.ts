import { readFileSync } from 'node:fs';
import { ArnFormat, Aws, Fn, RemovalPolicy, Stack } from 'aws-cdk-lib';
import type { IGrantable } from 'aws-cdk-lib/aws-iam';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { DefinitionBody, LogLevel, StateMachine, StateMachineType } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { placeholders } from '../../statemachines/definitions.js';

export interface ReleaseStateMachineProps {
  /** Path of the ASL document (statemachines/release.asl.json). */
  readonly definitionFile: string;
  /**
   * A fixed name, so the Lambdas can be told the state machine's ARN without a reference back
   * to it (they are in its definition: a reference would be a dependency cycle).
   */
  readonly stateMachineName: string;
  /** The function each `${XxxFunctionArn}` placeholder names, keyed by the placeholder. */
  readonly functions: Record<string, IFunction>;
  /** Other placeholders (`${ReleaseStateMachineArn}`), by name. @default none */
  readonly substitutions?: Record<string, string>;
  /**
   * @default RetentionDays.THREE_MONTHS
   */
  readonly logRetention?: RetentionDays;
  /**
   * Whether the logs hold each event's data (inputs, outputs, Task parameters). A definition
   * that passes `$$.Task.Token` to a Task must not: the parameters would put the token in the logs.
   * @default false
   */
  readonly logExecutionData?: boolean;
}

/**
 * One environment's release, as the Standard state machine that runs the same ASL the embedded
 * engine runs. The document is inlined (fromString), not uploaded as an asset, so template tests
 * see it and deploys need no asset bucket for it.
 */
export class ReleaseStateMachine extends Construct {
  /** The ARN of a state machine of this name in the stack's account and region. */
  static arnFor(scope: Construct, stateMachineName: string): string {
    return Stack.of(scope).formatArn({
      service: 'states',
      resource: 'stateMachine',
      resourceName: stateMachineName,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
  }

  /** The ARN pattern matching every execution of the state machine of this name. */
  static executionsArnFor(scope: Construct, stateMachineName: string): string {
    return Stack.of(scope).formatArn({
      service: 'states',
      resource: 'execution',
      resourceName: `${stateMachineName}:*`,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
  }

  readonly stateMachine: StateMachine;
  readonly logGroup: LogGroup;
  private readonly stateMachineName: string;

  constructor(scope: Construct, id: string, props: ReleaseStateMachineProps) {
    super(scope, id);
    this.stateMachineName = props.stateMachineName;
    const asl = readFileSync(props.definitionFile, 'utf8');
    const missing = placeholders(asl).filter(
      (name) => !(name in props.functions) && !(name in (props.substitutions ?? {})),
    );
    if (missing.length > 0) {
      throw new Error(`${props.definitionFile} has placeholders with no function: ${missing.join(', ')}`);
    }

    // Step Functions vended logs need the /aws/vendedlogs/ prefix to stay under the resource
    // policy size limit. The logs outlive the stack (Retain), so the name ends in the stack's id:
    // a fixed name would survive `cdk destroy` and fail the next create of the same stack with
    // "already exists". RetainExceptOnCreate still deletes it when the first create rolls back.
    const stackGuid = Fn.select(2, Fn.split('/', Aws.STACK_ID));
    this.logGroup = new LogGroup(this, 'LogGroup', {
      logGroupName: `/aws/vendedlogs/states/${props.stateMachineName}-${stackGuid}`,
      retention: props.logRetention ?? RetentionDays.THREE_MONTHS,
      removalPolicy: RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE,
    });
    this.stateMachine = new StateMachine(this, 'StateMachine', {
      stateMachineName: props.stateMachineName,
      stateMachineType: StateMachineType.STANDARD,
      definitionBody: DefinitionBody.fromString(asl),
      definitionSubstitutions: {
        ...Object.fromEntries(Object.entries(props.functions).map(([name, fn]) => [name, fn.functionArn])),
        ...props.substitutions,
      },
      tracingEnabled: true,
      logs: {
        destination: this.logGroup,
        level: LogLevel.ALL,
        includeExecutionData: props.logExecutionData ?? false,
      },
    });
    // The definition is a string, so CDK cannot see which functions it invokes. The ASL calls the
    // unqualified ARNs, so no `:*` (versions and aliases) as grantInvoke would add.
    this.stateMachine.addToRolePolicy(
      new PolicyStatement({
        sid: 'InvokeTaskFunctions',
        actions: ['lambda:InvokeFunction'],
        resources: [...new Set(Object.values(props.functions))].map((fn) => fn.functionArn),
      }),
    );
  }

  /**
   * What `arn:aws:states:::states:startExecution.sync:2` needs to run this machine's executions as
   * children (Step Functions developer guide, IAM policies for nested workflows, synchronous):
   * StartExecution on the machine, DescribeExecution and StopExecution on its executions, and the
   * managed EventBridge rule through which Step Functions learns that a child ended.
   */
  grantRunAsChild(grantee: IGrantable): void {
    const stack = Stack.of(this);
    grantee.grantPrincipal.addToPrincipalPolicy(
      new PolicyStatement({
        sid: 'StartChildReleases',
        actions: ['states:StartExecution'],
        resources: [ReleaseStateMachine.arnFor(this, this.stateMachineName)],
      }),
    );
    grantee.grantPrincipal.addToPrincipalPolicy(
      new PolicyStatement({
        sid: 'FollowChildReleases',
        actions: ['states:DescribeExecution', 'states:StopExecution'],
        resources: [ReleaseStateMachine.executionsArnFor(this, this.stateMachineName)],
      }),
    );
    grantee.grantPrincipal.addToPrincipalPolicy(
      new PolicyStatement({
        sid: 'ChildCompletionEvents',
        actions: ['events:PutTargets', 'events:PutRule', 'events:DescribeRule'],
        resources: [
          stack.formatArn({
            service: 'events',
            resource: 'rule',
            resourceName: 'StepFunctionsGetEventsForStepFunctionsExecutionRule',
          }),
        ],
      }),
    );
  }

  /** StartExecution and DescribeExecution (which attempt is running), for the webhook. */
  grantStartAndDescribe(grantee: IGrantable): void {
    this.grantStartExecution(grantee);
    grantee.grantPrincipal.addToPrincipalPolicy(
      new PolicyStatement({
        sid: 'DescribeAttempts',
        actions: ['states:DescribeExecution'],
        resources: [ReleaseStateMachine.executionsArnFor(this, this.stateMachineName)],
      }),
    );
  }

  /** StartExecution, for the webhook. */
  grantStartExecution(grantee: IGrantable): void {
    grantee.grantPrincipal.addToPrincipalPolicy(
      new PolicyStatement({
        sid: 'StartReleaseExecutions',
        actions: ['states:StartExecution'],
        resources: [ReleaseStateMachine.arnFor(this, this.stateMachineName)],
      }),
    );
  }

  /**
   * SendTaskSuccess and SendTaskFailure, which Step Functions authorizes on the state machine
   * whose task token it is: this one only (what CDK's grantTaskResponse grants, without heartbeats).
   */
  grantTaskResponse(grantee: IGrantable): void {
    grantee.grantPrincipal.addToPrincipalPolicy(
      new PolicyStatement({
        sid: 'DecideReleaseApprovals',
        actions: ['states:SendTaskSuccess', 'states:SendTaskFailure'],
        resources: [ReleaseStateMachine.arnFor(this, this.stateMachineName)],
      }),
    );
  }

  /** StopExecution and DescribeExecution on this state machine's executions only. */
  grantStopExecution(grantee: IGrantable): void {
    grantee.grantPrincipal.addToPrincipalPolicy(
      new PolicyStatement({
        sid: 'StopReleaseExecutions',
        actions: ['states:StopExecution', 'states:DescribeExecution'],
        resources: [ReleaseStateMachine.executionsArnFor(this, this.stateMachineName)],
      }),
    );
  }
}
