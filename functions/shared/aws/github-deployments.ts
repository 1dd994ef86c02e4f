import { Octokit } from '@octokit/rest';
import { log } from '../log.js';
import type { DeploymentState, DeploymentTracker } from '../ports/notifier.js';
import { readLambdaEnv } from './env.js';
import { once } from './once.js';
import { awsSecrets } from './secrets-manager.js';

const OCTOKIT_LOG = {
  debug: (message: string) => log.debug(message),
  info: (message: string) => log.debug(message),
  warn: (message: string) => log.warn(message),
  error: (message: string) => log.debug(message),
};

function ownerRepo(repository: string): { owner: string; repo: string } {
  const [owner, repo, ...rest] = repository.split('/');
  if (!owner || !repo || rest.length > 0) throw new Error(`repository must be owner/name, got ${repository}`);
  return { owner, repo };
}

/** GitHub Deployments and deployment statuses through the REST API (github.com, GHES, or a local stub). */
export class GitHubDeployments implements DeploymentTracker {
  constructor(
    private readonly token: () => Promise<string>,
    private readonly baseUrl: string,
  ) {}

  private async octokit(): Promise<Octokit> {
    return new Octokit({
      auth: await this.token(),
      baseUrl: this.baseUrl.replace(/\/+$/, ''),
      log: OCTOKIT_LOG,
    });
  }

  async create(request: {
    repository: string;
    sha: string;
    environment: string;
    description: string;
  }): Promise<number> {
    const octokit = await this.octokit();
    // auto_merge off and no required contexts: Sluice has verified the checks itself, and must
    // not merge anything (https://docs.github.com/en/rest/deployments/deployments).
    const { data } = await octokit.rest.repos.createDeployment({
      ...ownerRepo(request.repository),
      ref: request.sha,
      environment: request.environment,
      description: request.description.slice(0, 140),
      auto_merge: false,
      required_contexts: [],
      transient_environment: false,
      production_environment: request.environment === 'prod' || request.environment === 'production',
    });
    if (!('id' in data)) throw new Error(`GitHub did not create a deployment: ${JSON.stringify(data)}`);
    return data.id;
  }

  async setStatus(
    repository: string,
    deploymentId: number,
    state: DeploymentState,
    description: string,
  ): Promise<void> {
    const octokit = await this.octokit();
    await octokit.rest.repos.createDeploymentStatus({
      ...ownerRepo(repository),
      deployment_id: deploymentId,
      state,
      description: description.slice(0, 140),
      // A new success marks earlier deployments of the environment inactive on GitHub's side too.
      auto_inactive: true,
    });
  }
}

/** The DeploymentTracker port on AWS: GitHub's API with the token from Secrets Manager. */
export const awsDeployments = (): DeploymentTracker =>
  once(
    'github-deployments',
    () =>
      new GitHubDeployments(() => awsSecrets().get('github-token'), readLambdaEnv().SLUICE_GITHUB_API_URL),
  );
