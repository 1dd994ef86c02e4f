import type { AlarmRollbackPorts } from '../functions/alarm-rollback/alarm-rollback.js';
import type { AnalyzeCanaryPorts } from '../functions/analyze-canary/analyze-canary.js';
import type { AwaitWindowPorts } from '../functions/await-window/await-window.js';
import type { BeginReleasePorts } from '../functions/begin-release/begin-release.js';
import type { CheckAlarmsPorts } from '../functions/check-alarms/check-alarms.js';
import type { DeployPorts } from '../functions/deploy/deploy.js';
import type { GithubWebhookPorts } from '../functions/github-webhook/github-webhook.js';
import type { RecordPipelinePorts } from '../functions/record-pipeline/record-pipeline.js';
import type { RecordReleasePorts } from '../functions/record-release/record-release.js';
import type { ReleaseGuardPorts } from '../functions/release-guard/release-guard.js';
import type { ReleaseNotifierPorts } from '../functions/release-notifier/release-notifier.js';
import type { RequestApprovalPorts } from '../functions/request-approval/request-approval.js';
import type { RollbackPorts } from '../functions/rollback/rollback.js';
import type { ScaleDownPorts } from '../functions/scale-down/scale-down.js';
import type { PortName } from '../functions/shared/ports/index.js';
import type { SecretName } from '../functions/shared/ports/secrets.js';
import type { ShiftTrafficPorts } from '../functions/shift-traffic/shift-traffic.js';
import type { SlackInteractionsPorts } from '../functions/slack-interactions/slack-interactions.js';
import type { VerifyBuildPorts } from '../functions/verify-build/verify-build.js';

/**
 * The ports of every Lambda function, as its handler declares them. The stack grants each
 * function the IAM permissions of exactly these ports (grantPorts), and the type below makes
 * a port added to or removed from a handler without changing this table a compile error.
 */
export const FUNCTION_PORTS = {
  GithubWebhook: ['config', 'secrets', 'orchestrator', 'releases', 'pushes', 'now'],
  AlarmRollback: ['config', 'trafficRouter', 'releases', 'orchestrator', 'now'],
  ReleaseGuard: ['trafficRouter', 'releases', 'now'],
  BeginRelease: ['trafficRouter', 'releases', 'pushes', 'orchestrator', 'now'],
  VerifyBuild: ['buildVerifier', 'orchestrator', 'releases', 'now'],
  Deploy: ['trafficReader', 'deployer', 'releases', 'artifacts'],
  ScaleDown: ['trafficReader', 'serviceScaler', 'releases'],
  ShiftTraffic: ['trafficRouter', 'releases', 'now'],
  CheckAlarms: ['alarms', 'releases', 'now'],
  AnalyzeCanary: ['metrics', 'releases', 'now'],
  RecordRelease: ['releases', 'now'],
  Rollback: ['trafficRouter', 'releases', 'now'],
  RequestApproval: ['config', 'approvals', 'releases', 'threads', 'notifier', 'now'],
  SlackInteractions: [
    'config',
    'secrets',
    'approvals',
    'releases',
    'orchestrator',
    'trafficRouter',
    'notifier',
    'deferral',
    'now',
  ],
  ReleaseNotifier: ['config', 'releases', 'approvals', 'threads', 'notifier', 'deployments'],
  RecordPipeline: ['releases', 'checkReporter', 'now'],
  AwaitWindow: ['config', 'releases', 'checkReporter', 'notifier', 'now'],
} as const satisfies Record<string, readonly PortName[]>;

export type FunctionName = keyof typeof FUNCTION_PORTS;

/** The secrets each function that has the `secrets` port reads (names, never values). */
export const FUNCTION_SECRETS: Partial<Record<FunctionName, readonly SecretName[]>> = {
  GithubWebhook: ['github-webhook'],
  SlackInteractions: ['slack-signing'],
};

/**
 * What each function with the `orchestrator` port does to executions: the webhook starts
 * pipelines (and reads which attempt runs) and wakes Tasks waiting for checks; VerifyBuild
 * completes its own waiting Task; the others stop releases (StopExecution and DescribeExecution:
 * BeginRelease describes a lock holder's execution to take over a stale lock); Slack interactions
 * decide approvals (SendTaskSuccess/SendTaskFailure on the release state machine) and stop a
 * release an approver aborts.
 */
export const FUNCTION_EXECUTION_ACCESS: Partial<
  Record<FunctionName, readonly ('start' | 'stop' | 'tokens' | 'decide')[]>
> = {
  GithubWebhook: ['start', 'tokens'],
  VerifyBuild: ['tokens'],
  BeginRelease: ['stop'],
  AlarmRollback: ['stop'],
  SlackInteractions: ['decide'],
};

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Listed<F extends FunctionName> = (typeof FUNCTION_PORTS)[F][number];

// Compile-time only: `false` here means a handler's ports and this table disagree.
const handlerPortsMatchTable: {
  GithubWebhook: Same<keyof GithubWebhookPorts, Listed<'GithubWebhook'>>;
  AlarmRollback: Same<keyof AlarmRollbackPorts, Listed<'AlarmRollback'>>;
  ReleaseGuard: Same<keyof ReleaseGuardPorts, Listed<'ReleaseGuard'>>;
  BeginRelease: Same<keyof BeginReleasePorts, Listed<'BeginRelease'>>;
  VerifyBuild: Same<keyof VerifyBuildPorts, Listed<'VerifyBuild'>>;
  Deploy: Same<keyof DeployPorts, Listed<'Deploy'>>;
  ScaleDown: Same<keyof ScaleDownPorts, Listed<'ScaleDown'>>;
  ShiftTraffic: Same<keyof ShiftTrafficPorts, Listed<'ShiftTraffic'>>;
  CheckAlarms: Same<keyof CheckAlarmsPorts, Listed<'CheckAlarms'>>;
  AnalyzeCanary: Same<keyof AnalyzeCanaryPorts, Listed<'AnalyzeCanary'>>;
  RecordRelease: Same<keyof RecordReleasePorts, Listed<'RecordRelease'>>;
  Rollback: Same<keyof RollbackPorts, Listed<'Rollback'>>;
  RequestApproval: Same<keyof RequestApprovalPorts, Listed<'RequestApproval'>>;
  SlackInteractions: Same<keyof SlackInteractionsPorts, Listed<'SlackInteractions'>>;
  ReleaseNotifier: Same<keyof ReleaseNotifierPorts, Listed<'ReleaseNotifier'>>;
  RecordPipeline: Same<keyof RecordPipelinePorts, Listed<'RecordPipeline'>>;
  AwaitWindow: Same<keyof AwaitWindowPorts, Listed<'AwaitWindow'>>;
} = {
  GithubWebhook: true,
  AlarmRollback: true,
  ReleaseGuard: true,
  BeginRelease: true,
  VerifyBuild: true,
  Deploy: true,
  ScaleDown: true,
  ShiftTraffic: true,
  CheckAlarms: true,
  AnalyzeCanary: true,
  RecordRelease: true,
  Rollback: true,
  RequestApproval: true,
  SlackInteractions: true,
  ReleaseNotifier: true,
  RecordPipeline: true,
  AwaitWindow: true,
};
void handlerPortsMatchTable;
