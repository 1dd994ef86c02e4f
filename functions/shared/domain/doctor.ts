import type { AlarmState } from '../ports/alarm-source.js';
import type { SecretName } from '../ports/secrets.js';
import { messageOf } from './caught.js';
import { type EnvironmentConfig, formatPath, type SluiceConfig } from './config.js';
import type { ReleaseRecord, Weights } from './release.js';
import { stickinessProblem } from './stickiness.js';
import { describeWeights, readListener } from './traffic.js';

/**
 * `sluice doctor`: read-only judgments of a setup. A gatherer (AWS, or the embedded runtime) reads
 * the facts below; the functions here turn them into checks and change nothing.
 */
export type CheckStatus = 'ok' | 'warn' | 'fail';

/** One check's result: `fix` says how to fix a warn or a fail, in one line. */
export interface Check {
  id: string;
  status: CheckStatus;
  detail: string;
  fix?: string;
}

export interface DoctorReport {
  environments: { name: string; checks: Check[] }[];
  global: Check[];
}

/** A fact, or why it could not be read (the caller's permissions, usually). */
export type Read<T> = { ok: true; value: T } | { ok: false; error: string };

export const read = <T>(value: T): Read<T> => ({ ok: true, value });

/** Reads a fact, turning a thrown error into a Read that the check reports. */
export async function attempt<T>(fn: () => Promise<T> | T): Promise<Read<T>> {
  try {
    return { ok: true, value: await fn() };
  } catch (error) {
    return { ok: false, error: messageOf(error) };
  }
}

export interface ListenerFacts {
  /** The load balancer the listener belongs to. */
  loadBalancerArn: string;
  /** The forward actions of the listener's default actions (or of the rule), each group with its weight. */
  forwardActions: { targetGroups: { arn: string; weight: number }[]; stickinessSeconds?: number }[];
}

export interface TargetGroupFacts {
  loadBalancerArns: string[];
  registered: number;
  healthy: number;
}

export interface AlarmFacts {
  name: string;
  kind: 'metric' | 'composite';
  state: AlarmState;
  /** When the alarm entered its state (ISO). */
  stateSince?: string;
  /** A metric alarm's period times its evaluation periods, in seconds. */
  periodSeconds?: number;
}

export interface ServiceFacts {
  status: string;
  targetGroupArns: string[];
  circuitBreaker?: { enable: boolean; rollback: boolean };
  /** ECS, CODE_DEPLOY or EXTERNAL; ECS when unset. */
  deploymentController: string;
  desiredCount: number;
  runningCount: number;
  /** The task definition's task and execution roles. */
  roles: string[];
}

export interface EcsFacts {
  /** The cluster's status (ACTIVE, …); undefined when it does not exist. */
  cluster: string | undefined;
  /** Undefined when the service does not exist. */
  services: { blue: ServiceFacts | undefined; green: ServiceFacts | undefined };
}

export interface RepositoryFacts {
  /** False when the repository does not exist. */
  exists: boolean;
  scanOnPush: boolean;
  /** The registry's scan type and whether one of its rules scans this repository on push or continuously. */
  registry: { scanType: 'BASIC' | 'ENHANCED'; ruleCovers: boolean };
}

/**
 * How doctor reached an environment in its own account (issue 19): through its role, assumed
 * with the caller's credentials as an operator does (SourceIdentity = the caller).
 */
export interface AccessFacts {
  /** The role's ARN: `account.role`, else the one its target stack creates. */
  role: string;
  /** Who asked: the caller's ARN (STS GetCallerIdentity). */
  principal: string;
  /** The environment's account id. */
  accountId: string;
  /** Whether the config sends an ExternalId. */
  externalId: boolean;
  /** The target stack that creates the role; undefined when `account.role` names the user's own. */
  targetStack?: string;
  /** Whether AssumeRole succeeded, or its error (`Name: message`). */
  assumed: Read<true>;
}

export interface EnvironmentFacts {
  /** Set for an environment with `account`: every other fact was read through its role. */
  access?: AccessFacts;
  /** Undefined when the listener (or rule) does not exist. */
  listener: Read<ListenerFacts | undefined>;
  /** Undefined when the group does not exist. */
  targetGroups: { blue: Read<TargetGroupFacts | undefined>; green: Read<TargetGroupFacts | undefined> };
  /** The configured alarms that were returned; a configured alarm not here was not returned. */
  alarms: Read<AlarmFacts[]>;
  /** The environment's release records, newest first. */
  releases: Read<ReleaseRecord[]>;
  /** Who holds the environment's lock, if anyone. */
  lock: Read<{ releaseId: string } | undefined>;
  /** With deploy.provider ecs; undefined where the runtime has no ECS (embedded). */
  ecs?: Read<EcsFacts>;
  /** With artifact set; undefined where the runtime has no ECR (embedded). */
  repository?: Read<RepositoryFacts>;
  /** When the facts were read (ISO), to tell an alarm just created from one without data for longer than its period. */
  readAt?: string;
  /** Where a check does not apply to this runtime, why (e.g. the embedded deployer stands in for ECS). */
  standIns?: { deploy?: string; artifact?: string };
}

export interface SecretFacts {
  name: SecretName;
  /** Where it lives (a Secrets Manager name, or a local file). */
  location: string;
  exists: boolean;
  /** The staging labels present: AWSCURRENT, AWSPREVIOUS, … */
  stages: string[];
}

export interface WebhookFacts {
  /** The URL the stack expects GitHub to deliver to. */
  expectedUrl: string;
  hooks: {
    url: string;
    active: boolean;
    events: string[];
    /** GitHub's last_response of the hook. */
    lastResponse?: { code: number | null; status: string; message?: string | null };
  }[];
}

/** The check runs on the head of a release branch, to see that the required checks come from the pinned app. */
export interface RequiredCheckFacts {
  branch: string;
  sha: string;
  runs: { name: string; appId: number | undefined }[];
}

export interface SlackFacts {
  auth: Read<{ userId: string; team: string }>;
  /**
   * Per channel Sluice posts to: whether the bot is a member; undefined when the channel was not
   * found; 'by-name' when the config names it (#name) rather than by id, so it was not looked up.
   */
  channels: { channel: string; member: Read<boolean | undefined | 'by-name'> }[];
  /** Per approver id (user U…/W… or group S…): whether Slack knows it. */
  approvers: { id: string; exists: Read<boolean> }[];
}

/** One of the stack's dead-letter queues: what is waiting in it, never the messages themselves. */
export interface DeadLetterFacts {
  /**
   * alarm: the alarm-rollback and release-guard events; notifier: release notifications;
   * clicks: Slack clicks answered at once but whose deferred action failed for good.
   */
  queue: 'alarm' | 'notifier' | 'clicks';
  url: string;
  /** ApproximateNumberOfMessages, and the oldest message's age in seconds when CloudWatch has a datapoint. */
  messages: Read<{ count: number; oldestSeconds?: number }>;
}

/** One EventBridge rule of the stack's safety net, as DescribeRule and ListTargetsByRule return it. */
export interface RuleFacts {
  name: string;
  /** alarm: an alarm-state rule (to alarm-rollback); executionEnded: the execution-status rule (to release-guard). */
  kind: 'alarm' | 'executionEnded';
  /** ENABLED, DISABLED, … */
  state: string;
  /** The ARNs the rule targets. */
  targets: string[];
  /** The ARN of the function the stack meant it to target; undefined when the stack has no such function. */
  expectedTarget: string | undefined;
  /** An alarm rule's alarm names (its pattern's detail.alarmName). */
  alarmNames?: string[];
}

export interface GlobalFacts {
  /** A doctor target that cannot compare (embedded) leaves it undefined. */
  configDigest?: { local: string; deployed: string };
  caller?: string;
  stateMachines: {
    name: 'release' | 'pipeline';
    status: Read<string | undefined>;
    /** Where the deployed definition first differs from the local file (see definitionDrift); undefined when it does not. */
    drift?: Read<string | undefined>;
  }[];
  secrets: Read<SecretFacts>[];
  /** Where the secret names came from (the stack's template, or the defaults and why). */
  secretNamesFrom?: string;
  /** The stack's dead-letter queues; undefined where the runtime has none (embedded). */
  deadLetters?: DeadLetterFacts[];
  /** The stack's alarm-state and execution-status rules; undefined where the runtime has none (embedded). */
  rules?: Read<RuleFacts[]>;
  github?: Read<WebhookFacts>;
  /** Undefined inside the Read when no branch of the repository matches a route. */
  requiredChecks?: Read<RequiredCheckFacts | undefined>;
  slack?: SlackFacts;
}

const ok = (id: string, detail: string): Check => ({ id, status: 'ok', detail });
const warn = (id: string, detail: string, fix: string): Check => ({ id, status: 'warn', detail, fix });
const fail = (id: string, detail: string, fix: string): Check => ({ id, status: 'fail', detail, fix });
const unreadable = (id: string, what: string, error: string, permission: string): Check =>
  fail(id, `cannot read ${what}: ${error}`, `give the caller ${permission}, then run doctor again`);

/** A target group's or load balancer's name from its ARN, for one-line details. */
export function shortName(arn: string): string {
  return /:(?:targetgroup|loadbalancer\/(?:app|net))\/([^/]+)\//.exec(arn)?.[1] ?? arn;
}

const REQUIRED_EVENTS = ['push', 'check_suite', 'check_run'] as const;

/** Where a finding points: a field's config path, and how the environment was reached. */
interface Where {
  /** The config path of one of the environment's fields: environments[2].targetGroups.blue. */
  at(...path: (string | number)[]): string;
  access: AccessFacts | undefined;
}

/**
 * Every check of one environment, in a stable order. `index` is the environment's place in the
 * config, for the config paths the findings name.
 */
export function judgeEnvironment(env: EnvironmentConfig, facts: EnvironmentFacts, index?: number): Check[] {
  const where: Where = {
    at: (...path) =>
      index === undefined
        ? `${env.name}'s ${formatPath(path)}`
        : formatPath(['environments', index, ...path]),
    access: facts.access,
  };
  if (facts.access) {
    const role = accessCheck(env, facts.access);
    // Nothing of the environment can be read without its role: one finding, not one per resource.
    if (!facts.access.assumed.ok) return [role, lockCheck(facts)];
    return [role, ...environmentChecks(env, facts, where)];
  }
  return environmentChecks(env, facts, where);
}

function environmentChecks(env: EnvironmentConfig, facts: EnvironmentFacts, where: Where): Check[] {
  const checks: Check[] = [...listenerChecks(env, facts, where), stickinessCheck(env, facts)];
  checks.push(...trafficChecks(env, facts, where));
  checks.push(...alarmChecks(env, facts, where));
  checks.push(...deployChecks(env, facts, where));
  const artifact = artifactCheck(env, facts, where);
  if (artifact) checks.push(artifact);
  return checks;
}

/** The role an operator's CLI assumes for an environment in another account: can it, and if not, why. */
function accessCheck(env: EnvironmentConfig, access: AccessFacts): Check {
  const id = 'account:role';
  const { role, principal, assumed } = access;
  if (assumed.ok)
    return ok(
      id,
      `${principal} assumed ${role}${access.externalId ? ' with the ExternalId' : ''}, naming itself (SourceIdentity); the checks below read ${env.name} with it`,
    );
  const deploy = access.targetStack
    ? `npx cdk deploy ${access.targetStack} --profile <a profile of account ${access.accountId}> (docs/deploy.md, "Environments in other AWS accounts")`
    : undefined;
  // STS answers AccessDenied alike for a role that does not exist and for one whose trust refuses
  // the caller, so every likely cause is named.
  if (!/^AccessDenied\b/.test(assumed.error))
    return fail(
      id,
      `AssumeRole ${role} as ${principal} failed: ${assumed.error}`,
      'check that STS is reachable in the stack’s region and active for it, then run doctor again',
    );
  const causes = [
    access.targetStack
      ? `the role does not exist yet: deploy its target stack (${deploy})`
      : `the role ${role} (account.role) does not exist`,
    `its trust does not admit ${principal}: ${access.targetStack ? `deploy ${access.targetStack} with -c sluice:operatorPrincipalArns=${operatorArnOf(principal)}` : 'admit it in the role’s trust, with sts:SetSourceIdentity and sts:TagSession'}`,
    access.externalId
      ? 'account.externalId differs from the ExternalId the trust requires'
      : 'the trust requires an ExternalId that account.externalId does not set',
    `${principal} itself lacks sts:AssumeRole, sts:TagSession or sts:SetSourceIdentity on ${role} in its own account`,
  ];
  return fail(
    id,
    `${principal} may not assume ${role}: ${assumed.error}`,
    `likely, in this order: ${causes.map((c, i) => `(${i + 1}) ${c}`).join('; ')}`,
  );
}

/**
 * The ARN to admit in `sluice:operatorPrincipalArns` for a caller: its role for a role session
 * (aws:PrincipalArn holds the role, with its path, which GetCallerIdentity does not show).
 */
export function operatorArnOf(caller: string): string {
  const session = /^arn:(aws[a-z-]*):sts::(\d{12}):assumed-role\/([^/]+)\/.+$/.exec(caller);
  return session ? `arn:${session[1]}:iam::${session[2]}:role/<path/>${session[3]}` : caller;
}

/** A resource the caller (or the environment's role) could not read: which, where in the config, and what to grant. */
function unreadableResource(
  where: Where,
  id: string,
  what: string,
  path: string,
  error: string,
  permission: string,
): Check {
  const { access } = where;
  if (!access) return unreadable(id, `${what} (${path})`, error, permission);
  const fix = access.targetStack
    ? `the role lacks ${permission} on ${path}: its target stack grants it from the config, so deploy it again with this config (npx cdk deploy ${access.targetStack} --profile <a profile of account ${access.accountId}>)`
    : `give ${access.role} (account.role) ${permission} on ${path}, then run doctor again`;
  return fail(id, `cannot read ${what} (${path}) with ${access.role}: ${error}`, fix);
}

function where(env: EnvironmentConfig): string {
  return env.ruleArn ? `rule ${env.ruleArn}` : `listener ${env.listenerArn}`;
}

function listenerChecks(env: EnvironmentConfig, facts: EnvironmentFacts, at: Where): Check[] {
  const { blue, green } = env.targetGroups;
  const path = at.at(env.ruleArn ? 'ruleArn' : 'listenerArn');
  if (!facts.listener.ok)
    return [
      unreadableResource(
        at,
        'listener',
        where(env),
        path,
        facts.listener.error,
        'elasticloadbalancing:DescribeListeners and DescribeRules',
      ),
    ];
  const listener = facts.listener.value;
  if (!listener)
    return [
      fail(
        'listener',
        `${where(env)} (${path}) does not exist${at.access ? ` in account ${at.access.accountId}` : ''}`,
        `set ${env.ruleArn ? 'ruleArn' : 'listenerArn'} of ${env.name} to an existing one, or create it`,
      ),
    ];
  const checks: Check[] = [];
  const forwards = listener.forwardActions;
  const groups = forwards[0]?.targetGroups.map((g) => g.arn) ?? [];
  const foreign = groups.filter((arn) => arn !== blue && arn !== green);
  if (forwards.length !== 1) {
    checks.push(
      fail(
        'listener',
        `${where(env)} has ${forwards.length} forward actions; Sluice shifts exactly one`,
        'keep one forward action listing the blue and green target groups (weights in its ForwardConfig)',
      ),
    );
  } else if (!groups.includes(blue) || !groups.includes(green) || foreign.length > 0) {
    checks.push(
      fail(
        'listener',
        `the forward action lists ${groups.map(shortName).join(', ') || 'no group'}, not exactly blue ${shortName(blue)} and green ${shortName(green)}`,
        'make the forward action list the two configured target groups and no other (ForwardConfig.TargetGroups)',
      ),
    );
  } else {
    checks.push(
      ok('listener', `one forward action with blue and green on the ${env.ruleArn ? 'rule' : 'listener'}`),
    );
  }
  const groupCheck = targetGroupCheck(env, facts, listener.loadBalancerArn, at);
  checks.push(groupCheck);
  return checks;
}

function targetGroupCheck(
  env: EnvironmentConfig,
  facts: EnvironmentFacts,
  loadBalancerArn: string,
  at: Where,
): Check {
  const problems: string[] = [];
  for (const side of ['blue', 'green'] as const) {
    const group = facts.targetGroups[side];
    if (!group.ok)
      return unreadableResource(
        at,
        'targetGroups',
        `the ${side} target group`,
        at.at('targetGroups', side),
        group.error,
        'elasticloadbalancing:DescribeTargetGroups',
      );
    if (!group.value)
      problems.push(`${side} ${env.targetGroups[side]} (${at.at('targetGroups', side)}) does not exist`);
    else if (!group.value.loadBalancerArns.includes(loadBalancerArn))
      problems.push(`${side} is not attached to the listener's load balancer ${shortName(loadBalancerArn)}`);
  }
  return problems.length > 0
    ? fail(
        'targetGroups',
        problems.join('; '),
        'use target groups of the listener’s load balancer in targetGroups (a group serves one load balancer)',
      )
    : ok('targetGroups', "both groups exist on the listener's load balancer");
}

function stickinessCheck(env: EnvironmentConfig, facts: EnvironmentFacts): Check {
  if (!facts.listener.ok || !facts.listener.value)
    return warn('stickiness', 'not checked: the listener could not be read', 'fix the listener check first');
  const seconds = facts.listener.value.forwardActions[0]?.stickinessSeconds;
  const deploy =
    env.deploy.provider === 'ecs'
      ? { ...env.deploy, timeoutSeconds: env.deploy.timeout }
      : { provider: 'external' as const };
  const problem = stickinessProblem({ name: env.name, watchSeconds: env.watch, deploy }, seconds);
  if (problem)
    return fail(
      'stickiness',
      `group stickiness ${seconds}s outlasts the watch (${env.watch}s) and previousDesiredCount scales the previous version to ${env.deploy.provider === 'ecs' ? env.deploy.previousDesiredCount : 0}: BeginRelease refuses to start`,
      'shorten the forward action’s TargetGroupStickinessConfig.DurationSeconds to at most the watch, lengthen watch, or unset previousDesiredCount',
    );
  if (seconds === undefined) return ok('stickiness', 'group stickiness is off');
  const firstBake = env.steps[0]?.bake ?? 0;
  if (seconds > firstBake)
    return warn(
      'stickiness',
      `group stickiness lasts ${seconds}s, longer than the first bake (${firstBake}s): after a rollback, clients pinned to the new version keep reaching it until their cookie expires`,
      'shorten TargetGroupStickinessConfig.DurationSeconds, or turn group stickiness off (docs/deploy.md, R5)',
    );
  return ok('stickiness', `group stickiness ${seconds}s, within the first bake`);
}

/** The group a release recorded as live when it ended, or undefined when it ended mid-flight. */
function recordedLive(record: ReleaseRecord): string | undefined {
  if (!record.targets) return undefined;
  if (record.status === 'succeeded' || record.status === 'promoted') return record.targets.idle;
  if (['rolled_back', 'aborted', 'failed', 'superseded', 'rejected'].includes(record.status))
    return record.targets.live;
  return undefined;
}

function trafficChecks(env: EnvironmentConfig, facts: EnvironmentFacts, at: Where): Check[] {
  const [forward, ...others] = (facts.listener.ok && facts.listener.value?.forwardActions) || [];
  if (!forward || others.length > 0)
    return [warn('traffic', 'not checked: no single forward action to read', 'fix the listener check first')];
  const weights: Weights = Object.fromEntries(forward.targetGroups.map((g) => [g.arn, g.weight]));
  const reading = readListener(weights, env.targetGroups);
  const shown = describeWeights(weights, env.targetGroups);
  const lock = facts.lock.ok ? facts.lock.value : undefined;
  const checks: Check[] = [];
  if (reading.kind === 'foreign')
    checks.push(
      fail(
        'traffic',
        `the listener sends traffic to ${reading.groups.map(shortName).join(', ')}, outside blue and green`,
        'set the forward action to blue 100 / green 0 (or the reverse) before the first release',
      ),
    );
  else if (reading.kind === 'split')
    checks.push(
      lock
        ? ok('traffic', `${shown} while release ${lock.releaseId} runs`)
        : fail(
            'traffic',
            `${shown} and no release runs: traffic is left split`,
            `run \`sluice rollback --env ${env.name}\`, or set the weights to 100/0 on the live group`,
          ),
    );
  else
    checks.push(
      ok('traffic', `${shown}, live ${reading.targets.live === env.targetGroups.blue ? 'blue' : 'green'}`),
    );

  checks.push(healthCheck(env, facts, reading.kind === 'settled' ? reading.targets.live : undefined, at));
  checks.push(recordedCheck(env, facts, reading.kind === 'settled' ? reading.targets.live : undefined));
  checks.push(lockCheck(facts));
  return checks;
}

function healthCheck(
  env: EnvironmentConfig,
  facts: EnvironmentFacts,
  live: string | undefined,
  at: Where,
): Check {
  if (!live) return warn('targets', 'not checked: no single live group', 'fix the traffic check first');
  const side = live === env.targetGroups.blue ? 'blue' : 'green';
  const group = facts.targetGroups[side];
  if (!group.ok)
    return unreadableResource(
      at,
      'targets',
      `${side}'s targets`,
      at.at('targetGroups', side),
      group.error,
      'elasticloadbalancing:DescribeTargetHealth',
    );
  if (!group.value) return fail('targets', `the live group (${side}) does not exist`, 'see targetGroups');
  const { healthy, registered } = group.value;
  // minHealthyTargets gates the idle group before each shift; the live group needs a healthy target for a rollback to restore to.
  if (healthy === 0)
    return fail(
      'targets',
      `the live group (${side}) has no healthy target (${registered} registered): it serves errors now, and a rollback would restore traffic to it`,
      `register healthy targets in ${side} (${shortName(live)}), or fix their health check`,
    );
  return ok('targets', `the live group (${side}) has ${healthy} healthy of ${registered} registered targets`);
}

function recordedCheck(env: EnvironmentConfig, facts: EnvironmentFacts, live: string | undefined): Check {
  if (!facts.releases.ok)
    return unreadable(
      'recorded',
      'the release records',
      facts.releases.error,
      'dynamodb:Query on the release table',
    );
  const [last, expected] = facts.releases.value
    .map((r) => [r, recordedLive(r)] as const)
    .find((pair): pair is readonly [ReleaseRecord, string] => pair[1] !== undefined) ?? [
    undefined,
    undefined,
  ];
  if (!last || !expected) return ok('recorded', 'no release has ended here yet: nothing to compare');
  if (live === expected)
    return ok('recorded', `the live group is the one release ${last.releaseId} left live`);
  return fail(
    'recorded',
    `release ${last.releaseId} (${last.status}) left ${expected === env.targetGroups.blue ? 'blue' : 'green'} live, but the listener now serves ${live ? (live === env.targetGroups.blue ? 'blue' : 'green') : 'a split'}: something else (Terraform, CloudFormation, a person) writes the listener`,
    'stop the other owner from managing the forward action’s weights (e.g. ignore_changes), see docs/deploy.md H3',
  );
}

function lockCheck(facts: EnvironmentFacts): Check {
  if (!facts.lock.ok)
    return unreadable(
      'lock',
      'the environment lock',
      facts.lock.error,
      'dynamodb:GetItem on the release table',
    );
  const lock = facts.lock.value;
  if (!lock) return ok('lock', 'free');
  const record = facts.releases.ok
    ? facts.releases.value.find((r) => r.releaseId === lock.releaseId)
    : undefined;
  if (
    record &&
    ['succeeded', 'rolled_back', 'failed', 'aborted', 'superseded', 'rejected'].includes(record.status)
  )
    return fail(
      'lock',
      `held by release ${lock.releaseId}, which ended ${record.status}: no release can start`,
      `run \`sluice abort ${lock.releaseId}\` to free it`,
    );
  return ok('lock', `held by running release ${lock.releaseId}`);
}

function alarmChecks(env: EnvironmentConfig, facts: EnvironmentFacts, at: Where): Check[] {
  if (env.alarms.length === 0)
    return [
      warn(
        'alarms',
        'no alarms configured: a release here is judged by nothing',
        'list the CloudWatch alarms a release watches under alarms',
      ),
    ];
  if (!facts.alarms.ok)
    return [
      unreadableResource(
        at,
        'alarms',
        'the alarms',
        at.at('alarms'),
        facts.alarms.error,
        'cloudwatch:DescribeAlarms on *',
      ),
    ];
  const found = new Map(facts.alarms.value.map((a) => [a.name, a]));
  return env.alarms.flatMap((name, i): Check[] => {
    const alarm = found.get(name);
    const id = `alarm:${name}`;
    if (!alarm)
      return [
        fail(
          id,
          `${name} (${at.at('alarms', i)}) was not returned by DescribeAlarms${at.access ? ` in account ${at.access.accountId}` : ''} (metric and composite alarms asked for): it does not exist, or it is a composite alarm the role may not see`,
          'create the alarm, or grant cloudwatch:DescribeAlarms on * (composite alarms are returned only to that scope)',
        ),
      ];
    return [ok(id, `${alarm.kind} alarm, returned`), alarmStateCheck(env, alarm, facts.readAt)];
  });
}

function alarmStateCheck(env: EnvironmentConfig, alarm: AlarmFacts, readAt: string | undefined): Check {
  const id = `alarm:${alarm.name}:state`;
  if (alarm.state === 'ALARM')
    return warn(
      id,
      `${alarm.name} is in ALARM now: a release here fails its first bake check and rolls back (CheckAlarms); in a soak it stops the pipeline`,
      `resolve what ${alarm.name} reports, or fix its threshold, before releasing`,
    );
  if (alarm.state === 'INSUFFICIENT_DATA') {
    const waited =
      readAt && alarm.stateSince ? (Date.parse(readAt) - Date.parse(alarm.stateSince)) / 1000 : undefined;
    if (waited !== undefined && alarm.periodSeconds !== undefined && waited <= alarm.periodSeconds)
      return ok(
        id,
        `${alarm.name} has no data yet, for ${Math.round(waited)}s: within its first period (${alarm.periodSeconds}s)`,
      );
    const policy =
      env.insufficientData.policy === 'extend'
        ? `insufficientData policy extend: a bake waits up to ${env.insufficientData.maxExtension}s more for data, then fails`
        : 'insufficientData policy fail: a bake without data fails the release';
    return warn(
      id,
      `${alarm.name} has no data (INSUFFICIENT_DATA${alarm.stateSince ? ` since ${alarm.stateSince}` : ''}); ${policy}`,
      'check the alarm’s metric and dimensions, or set treatMissingData to notBreaching where no traffic is normal',
    );
  }
  return ok(id, `${alarm.name} is OK`);
}

function deployChecks(env: EnvironmentConfig, facts: EnvironmentFacts, at: Where): Check[] {
  const deploy = env.deploy;
  if (deploy.provider === 'external')
    return [ok('deploy', 'external: your own tooling puts the version on the idle group')];
  if (!facts.ecs) return [ok('deploy', facts.standIns?.deploy ?? 'ecs: not checked on this runtime')];
  if (!facts.ecs.ok)
    return [
      unreadableResource(
        at,
        'ecs',
        `cluster ${deploy.cluster}`,
        at.at('deploy', 'cluster'),
        facts.ecs.error,
        'ecs:DescribeClusters and ecs:DescribeServices',
      ),
    ];
  const ecs = facts.ecs.value;
  if (ecs.cluster !== 'ACTIVE')
    return [
      fail(
        'ecs:cluster',
        `cluster ${deploy.cluster} (${at.at('deploy', 'cluster')}) ${ecs.cluster ? `is ${ecs.cluster}` : `does not exist${at.access ? ` in account ${at.access.accountId}` : ''}`}`,
        `set deploy.cluster of ${env.name} to an active ECS cluster`,
      ),
    ];
  const checks = [ok('ecs:cluster', `cluster ${deploy.cluster} is ACTIVE`)];
  for (const side of ['blue', 'green'] as const) {
    const name = deploy.services[side];
    const service = ecs.services[side];
    if (service?.status !== 'ACTIVE') {
      checks.push(
        fail(
          `ecs:${side}`,
          `service ${name} (${at.at('deploy', 'services', side)}) ${service ? `is ${service.status}` : 'does not exist'} in ${deploy.cluster}`,
          `create the ${side} service, or fix deploy.services.${side}`,
        ),
      );
      continue;
    }
    checks.push(
      service.targetGroupArns.includes(env.targetGroups[side])
        ? ok(
            `ecs:${side}`,
            `service ${name} runs ${service.runningCount}/${service.desiredCount} behind ${side}`,
          )
        : fail(
            `ecs:${side}`,
            `service ${name} is behind ${service.targetGroupArns.map(shortName).join(', ') || 'no target group'}, not ${side} ${shortName(env.targetGroups[side])}`,
            `attach ${name} to the ${side} target group (its loadBalancers), or swap deploy.services`,
          ),
    );
    checks.push(countCheck(env, facts, side, service));
    const breaker = service.circuitBreaker;
    checks.push(
      breaker?.enable && breaker.rollback
        ? ok(`ecs:${side}:circuitBreaker`, 'deployment circuit breaker on, with rollback')
        : fail(
            `ecs:${side}:circuitBreaker`,
            `the deployment circuit breaker is ${breaker?.enable ? 'on without rollback' : 'off'}: a version that never starts keeps the deploy waiting until its timeout`,
            `aws ecs update-service --cluster ${deploy.cluster} --service ${name} --deployment-configuration 'deploymentCircuitBreaker={enable=true,rollback=true}'`,
          ),
    );
    checks.push(
      service.deploymentController === 'ECS'
        ? ok(`ecs:${side}:controller`, 'ECS (rolling) deployment controller')
        : fail(
            `ecs:${side}:controller`,
            `deployment controller ${service.deploymentController}: Sluice deploys with UpdateService, which needs the ECS controller`,
            `recreate ${name} with deploymentController type ECS`,
          ),
    );
  }
  checks.push(passRolesCheck(env, ecs));
  return checks;
}

/** The side the listener serves now, when it serves one group wholly. */
function liveSide(env: EnvironmentConfig, facts: EnvironmentFacts): 'blue' | 'green' | undefined {
  const [forward, ...others] = (facts.listener.ok && facts.listener.value?.forwardActions) || [];
  if (!forward || others.length > 0) return undefined;
  const weights: Weights = Object.fromEntries(forward.targetGroups.map((g) => [g.arn, g.weight]));
  const reading = readListener(weights, env.targetGroups);
  if (reading.kind !== 'settled') return undefined;
  return reading.targets.live === env.targetGroups.blue ? 'blue' : 'green';
}

function countCheck(
  env: EnvironmentConfig,
  facts: EnvironmentFacts,
  side: 'blue' | 'green',
  service: ServiceFacts,
): Check {
  const deploy = env.deploy as Extract<EnvironmentConfig['deploy'], { provider: 'ecs' }>;
  const name = deploy.services[side];
  const id = `ecs:${side}:count`;
  const { desiredCount, runningCount } = service;
  // The deployer sizes the new version like the live service (ecs-deployer.ts), and the idle group
  // must reach minHealthyTargets healthy targets before each shift.
  if (liveSide(env, facts) === side && desiredCount < env.minHealthyTargets)
    return fail(
      id,
      `the live service ${name} wants ${desiredCount} task${desiredCount === 1 ? '' : 's'}, fewer than minHealthyTargets (${env.minHealthyTargets}): the new version is sized the same, so the first shift waits for healthy targets until it fails`,
      `aws ecs update-service --cluster ${deploy.cluster} --service ${name} --desired-count ${env.minHealthyTargets}, or lower minHealthyTargets of ${env.name}`,
    );
  if (runningCount !== desiredCount)
    return warn(
      id,
      `service ${name} runs ${runningCount} of ${desiredCount} desired tasks: a deployment is under way, or tasks fail to start`,
      `aws ecs describe-services --cluster ${deploy.cluster} --services ${name} --query 'services[0].events[:5]'`,
    );
  return ok(id, `${runningCount} running of ${desiredCount} desired`);
}

function passRolesCheck(env: EnvironmentConfig, ecs: EcsFacts): Check {
  const deploy = env.deploy;
  if (deploy.provider !== 'ecs') return ok('ecs:passRoles', 'not ECS');
  const roles = [...new Set([ecs.services.blue, ecs.services.green].flatMap((s) => s?.roles ?? []))];
  if (!deploy.passRoles)
    return warn(
      'ecs:passRoles',
      `deploy.passRoles is unset: Sluice may pass any role of the account to ECS (the services use ${roles.join(', ') || 'no role'})`,
      `set deploy.passRoles to ${roles.length ? roles.join(', ') : 'the task and execution roles'}`,
    );
  const passRoles = deploy.passRoles ?? [];
  const missing = roles.filter((r) => !passRoles.includes(r));
  return missing.length > 0
    ? fail(
        'ecs:passRoles',
        `the services' task definitions use ${missing.join(', ')}, not in deploy.passRoles: iam:PassRole is denied at deploy`,
        `add ${missing.join(', ')} to deploy.passRoles and deploy the stack`,
      )
    : ok('ecs:passRoles', 'deploy.passRoles covers the task and execution roles');
}

function artifactCheck(env: EnvironmentConfig, facts: EnvironmentFacts, at: Where): Check | undefined {
  if (!env.artifact) return undefined;
  const name = env.artifact.repository;
  if (!facts.repository) return ok('ecr', facts.standIns?.artifact ?? 'ecr: not checked on this runtime');
  if (!facts.repository.ok)
    return unreadableResource(
      at,
      'ecr',
      `repository ${name}`,
      at.at('artifact', 'repository'),
      facts.repository.error,
      'ecr:DescribeRepositories and ecr:GetRegistryScanningConfiguration',
    );
  const repo = facts.repository.value;
  if (!repo.exists)
    return fail(
      'ecr',
      `repository ${name} (${at.at('artifact', 'repository')}) does not exist${at.access ? ` in account ${at.access.accountId}` : ''}`,
      `create it (aws ecr create-repository --repository-name ${name})`,
    );
  // With ENHANCED, Amazon Inspector scans by the registry's rules and a repository's scanOnPush is not used.
  const scanned =
    repo.registry.scanType === 'ENHANCED'
      ? repo.registry.ruleCovers
      : repo.scanOnPush || repo.registry.ruleCovers;
  if (scanned)
    return ok(
      'ecr',
      `repository ${name} is scanned (${repo.registry.scanType === 'ENHANCED' ? 'enhanced' : 'scan on push'})`,
    );
  const detail = `repository ${name} is not scanned on push${repo.registry.scanType === 'ENHANCED' ? ' (enhanced scanning, no rule covers it)' : ''}: no scan findings to judge`;
  const fix =
    repo.registry.scanType === 'ENHANCED'
      ? `add a registry scanning rule whose filter matches ${name} (aws ecr put-registry-scanning-configuration)`
      : `aws ecr put-image-scanning-configuration --repository-name ${name} --image-scanning-configuration scanOnPush=true`;
  return env.artifact.scan ? fail('ecr', detail, fix) : warn('ecr', detail, fix);
}

/** The checks outside any one environment: the stack, secrets, GitHub, Slack. */
export function judgeGlobal(config: SluiceConfig, facts: GlobalFacts): Check[] {
  const checks: Check[] = [];
  if (facts.caller) checks.push(ok('caller', `running as ${facts.caller}`));
  if (facts.configDigest) {
    const { local, deployed } = facts.configDigest;
    checks.push(
      local === deployed
        ? ok('config', `the config file is the deployed one (digest ${local})`)
        : fail(
            'config',
            `the config file (digest ${local}) differs from the deployed one (${deployed}): checks ran against the file`,
            'deploy this config (cdk deploy), or run doctor with the file the stack was deployed from',
          ),
    );
  }
  for (const machine of facts.stateMachines) {
    const id = `stateMachine:${machine.name}`;
    if (!machine.status.ok)
      checks.push(
        unreadable(
          id,
          `the ${machine.name} state machine`,
          machine.status.error,
          'states:DescribeStateMachine',
        ),
      );
    else if (machine.status.value === 'ACTIVE' && machine.drift && !machine.drift.ok)
      checks.push(
        warn(
          id,
          `the ${machine.name} state machine is ACTIVE; its definition could not be compared: ${machine.drift.error}`,
          'run doctor from a checkout of Sluice',
        ),
      );
    else if (machine.status.value === 'ACTIVE' && machine.drift?.ok && machine.drift.value)
      checks.push(
        fail(
          id,
          `the deployed ${machine.name} definition differs from statemachines/${machine.name}.asl.json at ${machine.drift.value}`,
          'deploy this checkout (cdk deploy), or run doctor from the checkout the stack was deployed from',
        ),
      );
    else if (machine.status.value === 'ACTIVE')
      checks.push(
        ok(
          id,
          `the ${machine.name} state machine is ACTIVE${machine.drift ? ', its definition as in the local file' : ''}`,
        ),
      );
    else
      checks.push(
        fail(
          id,
          `the ${machine.name} state machine ${machine.status.value ? `is ${machine.status.value}` : 'does not exist'}`,
          'deploy the stack again (cdk deploy)',
        ),
      );
  }
  const needed = neededSecrets(config);
  for (const secret of facts.secrets) {
    if (!secret.ok) {
      checks.push(unreadable('secret', 'a secret', secret.error, 'secretsmanager:DescribeSecret'));
      continue;
    }
    const { name, location, exists, stages } = secret.value;
    const id = `secret:${name}`;
    const required = needed.includes(name);
    if (!exists || !stages.includes('AWSCURRENT')) {
      const detail = `${location} ${exists ? 'has no AWSCURRENT value' : 'does not exist'}`;
      const fix = `create it with a value: aws secretsmanager create-secret --name ${location} --secret-string …  (docs/deploy.md, 2.)`;
      checks.push(
        required ? fail(id, detail, fix) : warn(id, `${detail} (not used by this config yet)`, fix),
      );
      continue;
    }
    checks.push(
      ok(
        id,
        `${location} has a current value${stages.includes('AWSPREVIOUS') ? '; AWSPREVIOUS is kept, but Sluice reads AWSCURRENT only' : ''}`,
      ),
    );
  }
  if (facts.secretNamesFrom) checks.push(ok('secret:names', `secret names from ${facts.secretNamesFrom}`));
  for (const queue of facts.deadLetters ?? []) checks.push(deadLetterCheck(queue));
  if (facts.rules) checks.push(...ruleChecks(config, facts.rules));
  if (facts.github) checks.push(...webhookChecks(facts.github));
  if (facts.requiredChecks) checks.push(requiredChecksCheck(config, facts.requiredChecks));
  if (facts.slack) checks.push(...slackChecks(facts.slack));
  return checks;
}

/** An age in seconds, in the largest whole unit (s, min, h, d). */
export function describeAge(seconds: number): string {
  if (seconds < 120) return `${Math.round(seconds)}s`;
  if (seconds < 2 * 3600) return `${Math.round(seconds / 60)} min`;
  if (seconds < 2 * 86400) return `${Math.round(seconds / 3600)} h`;
  return `${Math.round(seconds / 86400)} d`;
}

function deadLetterCheck({ queue, url, messages }: DeadLetterFacts): Check {
  const id = `deadLetters:${queue}`;
  if (!messages.ok)
    return unreadable(id, `the dead-letter queue ${url}`, messages.error, 'sqs:GetQueueAttributes');
  const { count, oldestSeconds } = messages.value;
  if (count === 0) return ok(id, `the ${DEAD_LETTER_QUEUE_NAMES[queue]} dead-letter queue is empty`);
  const age =
    oldestSeconds === undefined
      ? 'the oldest message’s age is unknown (no ApproximateAgeOfOldestMessage datapoint in the last hour)'
      : `the oldest is ${describeAge(oldestSeconds)} old`;
  const messagesIn = `${count} message${count === 1 ? '' : 's'} in ${url}; ${age}`;
  const read = `read them (aws sqs receive-message --queue-url ${url} --max-number-of-messages 10)`;
  // Reading the messages (ReceiveMessage) would hide them from the next reader for the visibility
  // timeout: doctor counts them and leaves the reading to the user.
  switch (queue) {
    case 'alarm':
      return fail(
        id,
        `${messagesIn}: an alarm or execution-ended event was not handled, a release may not have been rolled back`,
        `${read}, check each release with \`sluice status\` and the listener's weights, roll back by hand where needed, then purge the queue`,
      );
    case 'clicks':
      // A click is answered 200 before it is acted on: an Approve, Reject, Promote now or Abort in
      // this queue was never carried out, and an unapplied Abort leaves the release running.
      return fail(
        id,
        `${messagesIn}: a Slack click (approve, reject, promote now or abort) was answered but never carried out`,
        `${read} for who clicked what, check each release with \`sluice status\`, repeat the decision (\`sluice approve|reject|abort --stack\`, or click again while the approval is open), then purge the queue`,
      );
    case 'notifier':
      return warn(
        id,
        `${messagesIn}: release notifications (Slack threads, GitHub deployment statuses) were dropped`,
        `${read} for the failure, fix the Slack or GitHub token, then purge the queue`,
      );
  }
}

const DEAD_LETTER_QUEUE_NAMES: Record<DeadLetterFacts['queue'], string> = {
  alarm: 'alarm and guard',
  notifier: 'notifier',
  clicks: 'Slack click',
};

function ruleChecks(config: SluiceConfig, rules: Read<RuleFacts[]>): Check[] {
  if (!rules.ok)
    return [
      unreadable(
        'rules',
        'the stack’s EventBridge rules',
        rules.error,
        'cloudformation:ListStackResources, events:DescribeRule and events:ListTargetsByRule',
      ),
    ];
  const checks: Check[] = [];
  let alarmRules = 0;
  for (const rule of [...rules.value].sort((a, b) => a.name.localeCompare(b.name))) {
    // Stable ids (rule:alarm, rule:alarm2, …, rule:executionEnded): CloudFormation names the rules.
    alarmRules += rule.kind === 'alarm' ? 1 : 0;
    const id =
      rule.kind === 'alarm' ? `rule:alarm${alarmRules > 1 ? alarmRules : ''}` : 'rule:executionEnded';
    const what =
      rule.kind === 'alarm'
        ? 'an alarm entering ALARM rolls nothing back outside a bake'
        : 'a failed, timed-out or aborted release is not checked for split traffic or a held lock';
    if (rule.state !== 'ENABLED')
      checks.push(
        fail(id, `rule ${rule.name} is ${rule.state}: ${what}`, `aws events enable-rule --name ${rule.name}`),
      );
    else if (!rule.expectedTarget || !rule.targets.includes(rule.expectedTarget))
      checks.push(
        fail(
          id,
          `rule ${rule.name} targets ${rule.targets.join(', ') || 'nothing'}, not the stack's ${rule.kind === 'alarm' ? 'alarm-rollback' : 'release-guard'} function: ${what}`,
          'deploy the stack again (cdk deploy) to restore its targets',
        ),
      );
    else
      checks.push(
        ok(
          id,
          `${rule.name} is ENABLED and targets the ${rule.kind === 'alarm' ? 'alarm-rollback' : 'release-guard'} function`,
        ),
      );
  }
  if (!rules.value.some((r) => r.kind === 'executionEnded'))
    checks.push(
      fail(
        'rule:executionEnded',
        'the stack has no execution-status rule: a failed release is not checked for split traffic',
        'deploy the stack again (cdk deploy)',
      ),
    );
  const watched = new Set(rules.value.flatMap((r) => (r.kind === 'alarm' ? (r.alarmNames ?? []) : [])));
  const unwatched = [...new Set(config.environments.flatMap((e) => e.alarms))].filter((a) => !watched.has(a));
  if (unwatched.length > 0)
    checks.push(
      fail(
        'rule:alarms',
        `no alarm-state rule of the stack matches ${unwatched.join(', ')}: their ALARM rolls nothing back between bake checks`,
        'deploy this config (cdk deploy): the stack makes its alarm rules from the config’s alarms',
      ),
    );
  return checks;
}

/**
 * Where a deployed definition first differs from the local file, as a JSONPath; undefined when it
 * does not. A string holding a `${Placeholder}` in the file matches any string: the stack
 * substitutes ARNs there (definitionSubstitutions).
 */
export function definitionDrift(local: unknown, deployed: unknown, path = '$'): string | undefined {
  if (typeof local === 'string' && local.includes('${'))
    return typeof deployed === 'string' ? undefined : path;
  if (Array.isArray(local)) {
    if (!Array.isArray(deployed) || deployed.length !== local.length) return path;
    for (const [i, item] of local.entries()) {
      const drift = definitionDrift(item, deployed[i], `${path}[${i}]`);
      if (drift) return drift;
    }
    return undefined;
  }
  if (typeof local === 'object' && local !== null) {
    if (typeof deployed !== 'object' || deployed === null || Array.isArray(deployed)) return path;
    const keys = new Set([...Object.keys(local), ...Object.keys(deployed)]);
    for (const key of keys) {
      const drift = definitionDrift(
        (local as Record<string, unknown>)[key],
        (deployed as Record<string, unknown>)[key],
        `${path}.${key}`,
      );
      if (drift) return drift;
    }
    return undefined;
  }
  return local === deployed ? undefined : path;
}

/** The secrets this config reads: Slack's only when an environment or the threads use Slack. */
export function neededSecrets(config: SluiceConfig): SecretName[] {
  const slack = !!config.slack || config.environments.some((e) => e.approval.type === 'slack');
  return slack
    ? ['github-webhook', 'github-token', 'slack-signing', 'slack-bot-token']
    : ['github-webhook', 'github-token'];
}

function webhookChecks(github: Read<WebhookFacts>): Check[] {
  if (!github.ok)
    return [
      fail(
        'github:webhook',
        `cannot list the repository's webhooks: ${github.error}`,
        'give the github-token secret a token with admin:repo_hook read (or Webhooks: read for a fine-grained token)',
      ),
    ];
  const { expectedUrl, hooks } = github.value;
  const hook = hooks.find((h) => h.url === expectedUrl);
  if (!hook)
    return [
      fail(
        'github:webhook',
        `no webhook of the repository delivers to ${expectedUrl}`,
        `add one: Payload URL ${expectedUrl}, content type application/json, events push, check_suite, check_run (docs/deploy.md, 4.)`,
      ),
    ];
  const checks: Check[] = [];
  const missing = REQUIRED_EVENTS.filter((e) => !hook.events.includes(e) && !hook.events.includes('*'));
  if (!hook.active)
    checks.push(
      fail(
        'github:webhook',
        'the webhook is inactive: GitHub delivers nothing',
        'activate it in the repository’s webhook settings',
      ),
    );
  else if (missing.length > 0)
    checks.push(
      fail(
        'github:webhook',
        `the webhook is not subscribed to ${missing.join(', ')}: ${missing.includes('push') ? 'pushes start nothing' : 'a release waiting on its checks is woken only by its timeout'}`,
        `subscribe it to ${missing.join(', ')} ("Let me select individual events")`,
      ),
    );
  else
    checks.push(ok('github:webhook', `active, delivers push, check_suite and check_run to ${expectedUrl}`));
  const last = hook.lastResponse;
  if (!last || last.code === null) checks.push(ok('github:deliveries', 'no delivery yet'));
  else if (last.code >= 200 && last.code < 300)
    checks.push(ok('github:deliveries', `the last delivery answered ${last.code}`));
  else
    checks.push(
      warn(
        'github:deliveries',
        `the last delivery answered ${last.code}${last.message ? ` (${last.message})` : ''}`,
        'open the webhook’s Recent Deliveries in GitHub; a 401 means the github-webhook secret differs from the webhook’s',
      ),
    );
  return checks;
}

function requiredChecksCheck(config: SluiceConfig, facts: Read<RequiredCheckFacts | undefined>): Check {
  const id = 'github:checks';
  const { appId } = config.checks;
  if (config.requiredChecks.length === 0) return ok(id, 'no required checks configured');
  if (!facts.ok)
    return fail(
      id,
      `cannot read the check runs: ${facts.error}`,
      'give the github-token secret a token with checks: read and contents: read',
    );
  if (!facts.value) return ok(id, 'no branch of the repository matches a route yet: nothing to look at');
  const { branch, sha, runs } = facts.value;
  const at = `${branch}@${sha.slice(0, 7)}`;
  const foreign: string[] = [];
  const missing: string[] = [];
  for (const name of config.requiredChecks) {
    const named = runs.filter((r) => r.name === name);
    if (named.some((r) => r.appId === appId)) continue;
    if (named.length > 0)
      foreign.push(`${name} (from app ${[...new Set(named.map((r) => r.appId))].join(', ')})`);
    else missing.push(name);
  }
  if (foreign.length > 0)
    return fail(
      id,
      `on ${at}, ${foreign.join(', ')} did not come from checks.appId ${appId}: Sluice ignores them and the release waits its buildTimeout, then fails`,
      'set checks.appId to the app that creates the required checks, or create them from that app',
    );
  if (missing.length > 0)
    return warn(
      id,
      `on ${at}, no check run named ${missing.join(', ')}: a release of that commit would wait its buildTimeout, then fail`,
      'check the required check names against the jobs your CI runs on release branches (requiredChecks)',
    );
  return ok(id, `on ${at}, every required check ran from app ${appId}`);
}

function slackChecks(slack: SlackFacts): Check[] {
  if (!slack.auth.ok)
    return [
      fail(
        'slack:auth',
        `auth.test failed: ${slack.auth.error}`,
        'put the bot token (xoxb-…) of the installed Slack app in the slack-bot-token secret',
      ),
    ];
  const checks = [ok('slack:auth', `the bot is ${slack.auth.value.userId} in ${slack.auth.value.team}`)];
  for (const { channel, member } of slack.channels) {
    const id = `slack:channel:${channel}`;
    if (!member.ok)
      checks.push(
        fail(
          id,
          `cannot read ${channel}: ${member.error}`,
          'give the bot channels:read (and groups:read for a private channel)',
        ),
      );
    else if (member.value === 'by-name')
      checks.push(
        warn(
          id,
          `channel ${channel} is named, not given by id: membership not checked (Slack's conversations.info takes an id)`,
          'use the channel id (C…, in the channel’s details) in the config',
        ),
      );
    else if (member.value === undefined)
      checks.push(fail(id, `channel ${channel} was not found`, 'use the channel id (C…) in the config'));
    else if (!member.value)
      checks.push(
        fail(
          id,
          `the bot is not a member of ${channel}: its messages fail with not_in_channel`,
          `invite it: /invite @<your Sluice app> in ${channel}`,
        ),
      );
    else checks.push(ok(id, `the bot is a member of ${channel}`));
  }
  for (const { id: approver, exists } of slack.approvers) {
    const id = `slack:approver:${approver}`;
    if (!exists.ok)
      checks.push(
        fail(
          id,
          `cannot look ${approver} up: ${exists.error}`,
          'give the bot users:read and usergroups:read',
        ),
      );
    else if (!exists.value)
      checks.push(
        fail(
          id,
          `approver ${approver} is not a user or user group of the workspace`,
          'fix approval.approvers (user ids U…/W…, group ids S…)',
        ),
      );
    else checks.push(ok(id, `approver ${approver} exists`));
  }
  return checks;
}

/** The report's exit code: 1 when any check fails, else 0. */
export function doctorExitCode(report: DoctorReport): 0 | 1 {
  const all = [...report.global, ...report.environments.flatMap((e) => e.checks)];
  return all.some((c) => c.status === 'fail') ? 1 : 0;
}

/** Judges every environment and the global facts into one report. */
export function judge(
  config: SluiceConfig,
  environments: Record<string, EnvironmentFacts>,
  global: GlobalFacts,
): DoctorReport {
  return {
    environments: config.environments.map((env, i) => {
      const facts = environments[env.name];
      return { name: env.name, checks: facts ? judgeEnvironment(env, facts, i) : [] };
    }),
    global: judgeGlobal(config, global),
  };
}
