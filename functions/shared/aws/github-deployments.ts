import type { DeploymentLinks, DeploymentState, DeploymentTracker } from '../ports/notifier.js';
import { readLambdaEnv } from './env.js';
import { once } from './once.js';
import { awsSecrets } from './secrets-manager.js';

function ownerRepo(repository: string): string {
  const [owner, repo, ...rest] = repository.split('/');
  if (!owner || !repo || rest.length > 0) throw new Error(`repository must be owner/name, got ${repository}`);
  return `${encodeURIComponent(owner)}/${encodeURIComponent(repo)}`;
}

/**
 * GitHub Deployments and deployment statuses through the REST API (github.com, GHES, or a local
 * stub): two endpoints over fetch, because Octokit's REST client alone would put the notifier's
 * bundle over its 500 KB budget.
 */
export class GitHubDeployments implements DeploymentTracker {
  constructor(
    private readonly token: () => Promise<string>,
    private readonly baseUrl: string,
    /** The release state machine, whose executions' console pages are the statuses' log_url. */
    private readonly stateMachineArn?: string,
  ) {}

  /** The Step Functions console page of the release's execution in its environment. */
  logUrl(release: { executionName: string }): string | undefined {
    const arn = this.stateMachineArn;
    const region = arn?.split(':')[3];
    if (!arn || !region || !arn.includes(':stateMachine:')) return undefined;
    const execution = `${arn.replace(':stateMachine:', ':execution:')}:${release.executionName}`;
    return `https://console.aws.amazon.com/states/home?region=${region}#/executions/details/${execution}`;
  }

  private async post(path: string, body: Record<string, unknown>): Promise<{ id?: number }> {
    const response = await fetch(`${this.baseUrl.replace(/\/+$/, '')}${path}`, {
      method: 'POST',
      headers: {
        accept: 'application/vnd.github+json',
        authorization: `Bearer ${await this.token()}`,
        'content-type': 'application/json',
        'user-agent': 'sluice',
        'x-github-api-version': '2022-11-28',
      },
      body: JSON.stringify(body),
    });
    const text = await response.text();
    if (!response.ok)
      throw new Error(`GitHub POST ${path} answered ${response.status}: ${text.slice(0, 200)}`);
    return JSON.parse(text || '{}') as { id?: number };
  }

  async create(request: {
    repository: string;
    sha: string;
    environment: string;
    description: string;
  }): Promise<number> {
    // auto_merge off and no required contexts: Sluice has verified the checks itself and must not
    // merge anything (https://docs.github.com/en/rest/deployments/deployments#create-a-deployment).
    const created = await this.post(`/repos/${ownerRepo(request.repository)}/deployments`, {
      ref: request.sha,
      environment: request.environment,
      description: request.description.slice(0, 140),
      auto_merge: false,
      required_contexts: [],
      transient_environment: false,
      production_environment: /^prod(uction)?$/.test(request.environment),
    });
    if (typeof created.id !== 'number') throw new Error('GitHub did not create a deployment');
    return created.id;
  }

  async setStatus(
    repository: string,
    deploymentId: number,
    state: DeploymentState,
    description: string,
    links: DeploymentLinks = {},
  ): Promise<void> {
    // https://docs.github.com/en/rest/deployments/statuses#create-a-deployment-status:
    // auto_inactive marks the environment's earlier successful deployments inactive; description
    // holds 140 characters; log_url replaces target_url (and sets it); environment_url is the
    // deployment's "View deployment" link.
    await this.post(`/repos/${ownerRepo(repository)}/deployments/${deploymentId}/statuses`, {
      state,
      description: description.slice(0, 140),
      auto_inactive: true,
      ...(links.environmentUrl ? { environment_url: links.environmentUrl } : {}),
      ...(links.logUrl ? { log_url: links.logUrl } : {}),
    });
  }
}

/** The DeploymentTracker port on AWS: GitHub's API with the token from Secrets Manager. */
export const awsDeployments = (): DeploymentTracker =>
  once(
    'github-deployments',
    () =>
      new GitHubDeployments(
        () => awsSecrets().get('github-token'),
        readLambdaEnv().SLUICE_GITHUB_API_URL,
        readLambdaEnv().SLUICE_STATE_MACHINE_ARN,
      ),
  );
