import type {
  DeploymentLinks,
  DeploymentState,
  DeploymentTracker,
} from '../../functions/shared/ports/notifier.js';

export interface LocalDeployment {
  id: number;
  repository: string;
  sha: string;
  environment: string;
  description: string;
  statuses: { state: DeploymentState; description: string; at: string; links?: DeploymentLinks }[];
}

/** GitHub Deployments in memory: what GitHub would show per environment, for the page and tests. */
export class LocalDeployments implements DeploymentTracker {
  readonly deployments: LocalDeployment[] = [];
  /** The `sluice serve` page, once it listens: each status's log_url points into it. */
  pageUrl: string | undefined;
  /** Each environment's local listener: its environment_url where the config names none. */
  listenerUrls: Record<string, string> = {};

  environmentUrl(environment: string): string | undefined {
    return this.listenerUrls[environment];
  }

  logUrl(release: { releaseId: string; environment: string }): string | undefined {
    return this.pageUrl
      ? `${this.pageUrl}/#release=${encodeURIComponent(release.releaseId)}&environment=${encodeURIComponent(release.environment)}`
      : undefined;
  }

  async create(request: { repository: string; sha: string; environment: string; description: string }) {
    const id = this.deployments.length + 1;
    this.deployments.push({ id, ...request, statuses: [] });
    return id;
  }

  async setStatus(
    repository: string,
    deploymentId: number,
    state: DeploymentState,
    description: string,
    links?: DeploymentLinks,
  ) {
    const deployment = this.deployments.find((d) => d.id === deploymentId && d.repository === repository);
    if (!deployment) throw new Error(`no deployment ${deploymentId}`);
    // As GitHub's auto_inactive does: a new success makes the environment's earlier ones inactive.
    if (state === 'success') {
      for (const other of this.deployments) {
        const last = other.statuses.at(-1)?.state;
        if (other !== deployment && other.environment === deployment.environment && last === 'success') {
          other.statuses.push({
            state: 'inactive',
            description: `superseded by ${deployment.sha.slice(0, 7)}`,
            at: new Date().toISOString(),
          });
        }
      }
    }
    deployment.statuses.push({
      state,
      description,
      at: new Date().toISOString(),
      ...(links && Object.keys(links).length ? { links } : {}),
    });
  }
}
