import { Octokit } from '@octokit/rest';
import { log } from '../log.js';
import type { BuildVerifier, CheckRun } from '../ports/build-verifier.js';
import { readLambdaEnv } from './env.js';
import { once } from './once.js';
import { awsSecrets } from './secrets-manager.js';

interface ApiCheckRun {
  id: number;
  name: string;
  status: string;
  conclusion: string | null;
  started_at: string | null;
}

/** Reads a commit's check runs from the GitHub REST API (github.com, GHES, or a local stub). */
export class GitHubBuildVerifier implements BuildVerifier {
  constructor(
    private readonly token: () => Promise<string>,
    private readonly baseUrl: string,
  ) {}

  /** Every check run of the commit, newest first within each name (a re-run supersedes its predecessor). */
  async checkRuns(repository: string, sha: string): Promise<CheckRun[]> {
    const [owner, repo, ...rest] = repository.split('/');
    if (!owner || !repo || rest.length > 0) {
      throw new Error(`repository must be owner/name, got ${repository}`);
    }
    // The token is fetched per call: the secret cache decides how long a rotated token lingers.
    const octokit = new Octokit({
      auth: await this.token(),
      baseUrl: this.baseUrl.replace(/\/+$/, ''),
      log: OCTOKIT_LOG,
    });
    const runs: ApiCheckRun[] = await octokit.paginate(octokit.rest.checks.listForRef, {
      owner,
      repo,
      ref: sha,
      per_page: 100,
    });
    return [...runs].sort(newestFirst).map(({ name, status, conclusion }) => ({ name, status, conclusion }));
  }
}

// Octokit logs each request, and each failed one on console.error; the failure is thrown to the
// caller anyway, so request lines go to debug and only Octokit's own warnings stay visible.
const OCTOKIT_LOG = {
  debug: (message: string) => log.debug(message),
  info: (message: string) => log.debug(message),
  warn: (message: string) => log.warn(message),
  error: (message: string) => log.debug(message),
};

const NOT_STARTED = '\uffff';

function newestFirst(a: ApiCheckRun, b: ApiCheckRun): number {
  if (a.name !== b.name) return a.name < b.name ? -1 : 1;
  // A run that has not started yet (queued re-run) is newer than any that has.
  const started = (b.started_at ?? NOT_STARTED).localeCompare(a.started_at ?? NOT_STARTED);
  return started !== 0 ? started : b.id - a.id;
}

/** The BuildVerifier port on AWS: GitHub's API with the token from Secrets Manager. */
export const awsBuildVerifier = (): BuildVerifier =>
  once(
    'github',
    () =>
      new GitHubBuildVerifier(() => awsSecrets().get('github-token'), readLambdaEnv().SLUICE_GITHUB_API_URL),
  );
