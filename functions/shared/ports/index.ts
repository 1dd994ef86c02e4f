import type { AccessScope } from '../domain/accounts.js';
import type { SluiceConfig } from '../domain/config.js';
import type { AlarmSource } from './alarm-source.js';
import type { ApprovalStore, ThreadStore } from './approvals.js';
import type { ArtifactVerifier } from './artifact-verifier.js';
import type { BuildVerifier, CheckReporter } from './build-verifier.js';
import type { Deferral } from './deferral.js';
import type { Deployer } from './deployer.js';
import type { MetricsSource } from './metrics.js';
import type { DeploymentTracker, Notifier } from './notifier.js';
import type { Orchestrator } from './orchestrator.js';
import type { PushLog } from './push-log.js';
import type { ReleaseStore } from './release-store.js';
import type { Secrets } from './secrets.js';
import type { ServiceScaler } from './service-scaler.js';
import type { ListenerRef, TrafficReader, TrafficRouter } from './traffic-router.js';

export type { AccessScope } from '../domain/accounts.js';
export type { AlarmEpisode, AlarmSource, AlarmState, AlarmStatus } from './alarm-source.js';
export type { ApprovalStore, DecideResult, ThreadState, ThreadStore } from './approvals.js';
export type { ArtifactVerifier, ImageReport, Severity } from './artifact-verifier.js';
export type { BuildVerifier, CheckReporter, CheckRun, CheckRunReport } from './build-verifier.js';
export type { Deferral, DeferredSlackEvent, SlackAction } from './deferral.js';
export { isDeferredSlackEvent } from './deferral.js';
export type { Deployer, DeployRequest, DeployResult } from './deployer.js';
export type { CanaryMetricsQuery, MetricsSource } from './metrics.js';
export type {
  ChatMessage,
  DeploymentLinks,
  DeploymentState,
  DeploymentTracker,
  Notifier,
  PostedMessage,
} from './notifier.js';
export type {
  ExecutionDescription,
  ExecutionStatus,
  Orchestrator,
  StartResult,
  TaskDelivery,
} from './orchestrator.js';
export type { BranchHead, PushLog, PushRecord } from './push-log.js';
export type { LockOwner, LockResult, ReleaseStore } from './release-store.js';
export type { SecretName, Secrets } from './secrets.js';
export type { ResizeRequest, ResizeResult, ServiceScaler } from './service-scaler.js';
export type { ListenerRef, TrafficReader, TrafficRouter } from './traffic-router.js';

/**
 * Everything a handler may reach outside itself; one implementation per runtime. Each handler
 * takes only the ports it uses (`Pick<Ports, ...>`), and infra grants each function the IAM
 * permissions of exactly those ports (infra/function-ports.ts).
 */
export interface Ports {
  /** The validated Sluice config this installation runs. */
  config(): SluiceConfig;
  /**
   * Reads a listener's weights and target health (no writes, so no write permissions).
   * Every port on an environment's resources takes the scope it is used in: on AWS, an
   * environment in its own account is reached with its role, assumed for that scope.
   */
  trafficReader(listener: ListenerRef, scope: AccessScope): TrafficReader;
  trafficRouter(listener: ListenerRef, scope: AccessScope): TrafficRouter;
  alarms(scope: AccessScope): AlarmSource;
  /** Per-target-group load balancer metrics, for the canary analysis. */
  metrics(scope: AccessScope): MetricsSource;
  deployer(provider: 'ecs' | 'external', scope: AccessScope): Deployer;
  /** Resizes a side's service (ECS DescribeServices and UpdateService only). */
  serviceScaler(provider: 'ecs' | 'external', scope: AccessScope): ServiceScaler;
  buildVerifier(): BuildVerifier;
  /** Sluice's own check run on the commit ("Sluice plan"). */
  checkReporter(): CheckReporter;
  /** The image registry (ECR): the image exists, and its scan findings. */
  artifacts(scope: AccessScope): ArtifactVerifier;
  releases(): ReleaseStore;
  /** Every push to a release branch as received, and each environment's newest push per branch: how pushes are ordered. */
  pushes(): PushLog;
  orchestrator(): Orchestrator;
  secrets(): Secrets;
  /** Pending approvals and their task tokens (tokens only ever come out to the deciding caller). */
  approvals(): ApprovalStore;
  /** Each release's Slack thread and GitHub deployment, per environment. */
  threads(): ThreadStore;
  /** Slack (locally, the `sluice serve` page). */
  notifier(): Notifier;
  /** GitHub Deployments and their statuses. */
  deployments(): DeploymentTracker;
  /** Work that runs after the caller has its answer (a Slack click's 3 s). */
  deferral(): Deferral;
  now(): Date;
}

export type PortName = keyof Ports;

/** The wall clock, for the `now` port outside tests. */
export const systemClock = (): Date => new Date();
