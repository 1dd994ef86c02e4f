import { DeployError } from '../../functions/shared/domain/errors.js';
import type {
  Deployer,
  DeployRequest,
  DeployResult,
  ResizeRequest,
  ResizeResult,
} from '../../functions/shared/ports/deployer.js';
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
}

/**
 * Deploys a version by starting a sample app for it and registering it in the target group;
 * the group's previous apps are deregistered and stopped (the group is idle: weight 0).
 */
export class LocalDeployer implements Deployer {
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
    const app = await this.start(version);
    this.stopped.delete(targetGroupArn);
    await this.replace(targetGroupArn, app);
    return { deployed: `local:${version}@${app.url}` };
  }

  /**
   * A group runs one app per version here, not a count of tasks: 0 deregisters and stops its
   * apps; 1 or more leaves running apps as they are, or starts the version it ran before 0 again.
   */
  async resize(request: ResizeRequest): Promise<ResizeResult> {
    const { targetGroupArn, desiredCount, side } = request;
    const apps = this.apps(targetGroupArn);
    const service = `local:${side}`;
    if (desiredCount === 0) {
      if (apps.length === 0) return { service, from: 0, to: 0 };
      this.running.delete(targetGroupArn);
      this.stopped.set(targetGroupArn, apps[0]!.version);
      for (const app of apps) this.options.alb.deregisterTarget(targetGroupArn, app.url);
      await Promise.all(apps.map((app) => app.close()));
      return { service, from: apps.length, to: 0 };
    }
    const version = this.stopped.get(targetGroupArn);
    if (apps.length > 0 || version === undefined) return { service, from: apps.length, to: apps.length };
    this.stopped.delete(targetGroupArn);
    await this.replace(targetGroupArn, await this.start(version));
    return { service, from: 0, to: 1 };
  }

  /** Puts a first version on a group at startup, the way a real environment already runs something. */
  async seed(targetGroupArn: string, version: string): Promise<SampleApp> {
    const app = await this.start(version);
    await this.replace(targetGroupArn, app);
    return app;
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

  private async replace(targetGroupArn: string, app: SampleApp): Promise<void> {
    const { alb } = this.options;
    await alb.registerTarget(targetGroupArn, app.url);
    const previous = this.running.get(targetGroupArn) ?? [];
    this.running.set(targetGroupArn, [app]);
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
