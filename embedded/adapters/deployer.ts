import { DeployError } from '../../functions/shared/domain/errors.js';
import type { Deployer, DeployRequest, DeployResult } from '../../functions/shared/ports/deployer.js';
import type {
  ResizeRequest,
  ResizeResult,
  ServiceScaler,
} from '../../functions/shared/ports/service-scaler.js';
import type { LocalPrincipal } from '../accounts.js';
import type { LocalAlb } from '../alb.js';
import { type Fault, type SampleApp, startSampleApp } from '../sample-app.js';

export interface LocalDeployerOptions {
  alb: LocalAlb;
  /** The fault profile a version is started with; undefined for a healthy version. */
  faults?: (version: string) => Partial<Fault> | undefined;
  /** Versions whose deploy fails with DeployError, to rehearse a failed deploy. */
  failVersions?: readonly string[];
  /** How long a new app has to answer /healthz. @default 5000 */
  readyTimeoutMs?: number;
  /**
   * How many apps a deploy starts behind a group: the runtime passes the environment's
   * `minHealthyTargets`, or the traffic gate would refuse the first shift. @default 1
   */
  targetsFor?: (targetGroupArn: string) => number;
}

/**
 * Deploys a version by starting its sample apps and registering them in the target group, as
 * many as the group's service runs (at least what the environment needs); the group's previous
 * apps are deregistered and stopped (the group is idle: weight 0). It is also the ServiceScaler:
 * the apps it resizes are the ones it started.
 */
export class LocalDeployer implements Deployer, ServiceScaler {
  private readonly running = new Map<string, SampleApp[]>();
  /** The version a group ran before it was resized to 0, to start it again on a resize up. */
  private readonly stopped = new Map<string, string>();

  constructor(private readonly options: LocalDeployerOptions) {}

  /** Replaces what runs behind request.targetGroupArn with request.version. */
  async deploy(request: DeployRequest): Promise<DeployResult> {
    const { version, targetGroupArn } = request;
    if (this.options.failVersions?.includes(version)) {
      throw new DeployError(`version ${version} is configured to fail its deploy`);
    }
    const apps = await this.startMany(version, this.targetsFor(targetGroupArn));
    this.stopped.delete(targetGroupArn);
    await this.replace(targetGroupArn, apps);
    return { deployed: `local:${version}@${apps.map((app) => app.url).join(',')}` };
  }

  /**
   * Sets how many apps run behind a group, as ECS sets a service's desired count: 0 deregisters
   * and stops them; more starts the running version (or the one it ran before 0) or stops extras.
   */
  async resize(request: ResizeRequest): Promise<ResizeResult> {
    const { targetGroupArn, desiredCount, side } = request;
    const apps = this.apps(targetGroupArn);
    const service = `local:${side}`;
    const from = apps.length;
    if (desiredCount < from) {
      const extra = apps.slice(desiredCount);
      if (desiredCount === 0) {
        this.running.delete(targetGroupArn);
        this.stopped.set(targetGroupArn, apps[0]!.version);
      } else this.running.set(targetGroupArn, apps.slice(0, desiredCount));
      for (const app of extra) this.options.alb.deregisterTarget(targetGroupArn, app.url);
      await Promise.all(extra.map((app) => app.close()));
      return { service, from, to: desiredCount };
    }
    const version = apps[0]?.version ?? this.stopped.get(targetGroupArn);
    if (desiredCount === from || version === undefined) return { service, from, to: from };
    const added = await this.startMany(version, desiredCount - from);
    this.stopped.delete(targetGroupArn);
    await Promise.all(added.map((app) => this.options.alb.registerTarget(targetGroupArn, app.url)));
    this.running.set(targetGroupArn, [...apps, ...added]);
    return { service, from, to: desiredCount };
  }

  /** Puts a first version on a group at startup, the way a real environment already runs something. */
  async seed(targetGroupArn: string, version: string): Promise<SampleApp[]> {
    const apps = await this.startMany(version, this.targetsFor(targetGroupArn));
    await this.replace(targetGroupArn, apps);
    return apps;
  }

  /** The apps behind a group, e.g. to change a running version's fault profile. */
  apps(targetGroupArn: string): SampleApp[] {
    return [...(this.running.get(targetGroupArn) ?? [])];
  }

  /** Deregisters and stops every app this deployer started. */
  async close(): Promise<void> {
    const all = [...this.running.entries()];
    this.running.clear();
    await Promise.all(
      all.flatMap(([group, apps]) =>
        apps.map((app) => {
          this.options.alb.deregisterTarget(group, app.url);
          return app.close();
        }),
      ),
    );
  }

  private targetsFor(targetGroupArn: string): number {
    return Math.max(1, this.options.targetsFor?.(targetGroupArn) ?? 1);
  }

  private async startMany(version: string, count: number): Promise<SampleApp[]> {
    const started = await Promise.allSettled(Array.from({ length: count }, () => this.start(version)));
    const apps = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
    const failed = started.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failed) {
      await Promise.all(apps.map((app) => app.close()));
      throw failed.reason;
    }
    return apps;
  }

  private async start(version: string): Promise<SampleApp> {
    let app: SampleApp;
    try {
      app = await startSampleApp({ version, ...this.options.faults?.(version) });
    } catch (error) {
      throw new DeployError(`version ${version} did not start`, { cause: error });
    }
    if (!(await ready(app.url, this.options.readyTimeoutMs ?? 5000))) {
      await app.close();
      throw new DeployError(`version ${version} did not answer /healthz at ${app.url}`);
    }
    return app;
  }

  private async replace(targetGroupArn: string, apps: SampleApp[]): Promise<void> {
    const { alb } = this.options;
    await Promise.all(apps.map((app) => alb.registerTarget(targetGroupArn, app.url)));
    const previous = this.running.get(targetGroupArn) ?? [];
    this.running.set(targetGroupArn, apps);
    for (const old of previous) alb.deregisterTarget(targetGroupArn, old.url);
    await Promise.all(previous.map((old) => old.close()));
  }
}

async function ready(url: string, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      const res = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(500) });
      if (res.status === 200) return true;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return false;
}

/**
 * The deployer as one principal: it registers and deregisters targets, which the target group's
 * account refuses (AccessDenied) to a principal of another account.
 */
export function deployerAs(
  deployer: LocalDeployer,
  principal: Pick<LocalPrincipal, 'authorize'>,
): Deployer & ServiceScaler {
  return {
    deploy: async (request) => {
      principal.authorize('elasticloadbalancing:RegisterTargets', request.targetGroupArn);
      return deployer.deploy(request);
    },
    resize: async (request) => {
      principal.authorize('elasticloadbalancing:RegisterTargets', request.targetGroupArn);
      return deployer.resize(request);
    },
  };
}
