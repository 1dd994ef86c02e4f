import { Octokit as OctokitCore } from '@octokit/core';
import { paginateRest } from '@octokit/plugin-paginate-rest';

// Core plus pagination, not @octokit/rest: the REST plugin's endpoint table would put the
// verify-build and record-pipeline bundles over the 500 KB budget for three endpoints.
const Octokit = OctokitCore.plugin(paginateRest);
type Octokit = InstanceType<typeof Octokit>;

import { log } from '../log.js';
import type { BuildVerifier, CheckReporter, CheckRun, CheckRunReport } from '../ports/build-verifier.js';
import { readLambdaEnv } from './env.js';
import { once } from './once.js';
import { awsSecrets } from './secrets-manager.js';

interface ApiCheckRun {
  id: number;
  name: string;
  status: string;
  conclusion: string | null;
  started_at: string | null;
  app: { id: number } | null;
}

function splitRepository(repository: string): { owner: string; repo: string } {
  const [owner, repo, ...rest] = repository.split('/');
  if (!owner || !repo || rest.length > 0) throw new Error(`repository must be owner/name, got ${repository}`);
  return { owner, repo };
}

/** Reads a commit's check runs, and writes Sluice's own, through the GitHub REST API (github.com, GHES, or a local stub). */
export class GitHubBuildVerifier implements BuildVerifier, CheckReporter {
  constructor(
    private readonly token: () => Promise<string>,
    private readonly baseUrl: string,
  ) {}

  private async client(): Promise<Octokit> {
    // The token is fetched per call: the secret cache decides how long a rotated token lingers.
    return new Octokit({
      auth: await this.token(),
      baseUrl: this.baseUrl.replace(/\/+$/, ''),
      log: OCTOKIT_LOG,
    });
  }

  /** POST /repos/{owner}/{repo}/check-runs (GitHub Apps only: "OAuth apps and authenticated users … are not able to create" them). */
  async create(repository: string, sha: string, name: string, report: CheckRunReport): Promise<number> {
    const octokit = await this.client();
    const { data } = await octokit.request('POST /repos/{owner}/{repo}/check-runs', {
      ...splitRepository(repository),
      head_sha: sha,
      name,
      ...apiReport(report),
    });
    return Number(data.id);
  }

  /** PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}. */
  async update(repository: string, checkRunId: number, report: CheckRunReport): Promise<void> {
    const octokit = await this.client();
    await octokit.request('PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}', {
      ...splitRepository(repository),
      check_run_id: checkRunId,
      ...apiReport(report),
    });
  }

  /** Every check run of the commit, newest first within each name (a re-run supersedes its predecessor). */
  async checkRuns(repository: string, sha: string): Promise<CheckRun[]> {
    const octokit = await this.client();
    // paginate follows the Link header's rel="next" until the last page (100 runs a page at most).
    const runs: ApiCheckRun[] = await octokit.paginate('GET /repos/{owner}/{repo}/commits/{ref}/check-runs', {
      ...splitRepository(repository),
      ref: sha,
      per_page: 100,
    });
    return [...runs]
      .sort(newestFirst)
      .map(({ name, status, conclusion, app }) => ({ name, status, conclusion, appId: app?.id ?? null }));
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

function apiReport(report: CheckRunReport) {
  return {
    status: report.status,
    ...(report.conclusion ? { conclusion: report.conclusion } : {}),
    output: { title: report.title, summary: report.summary },
  };
}

const NOT_STARTED = '\uffff';

function newestFirst(a: ApiCheckRun, b: ApiCheckRun): number {
  if (a.name !== b.name) return a.name < b.name ? -1 : 1;
  // A run that has not started yet (queued re-run) is newer than any that has.
  const started = (b.started_at ?? NOT_STARTED).localeCompare(a.started_at ?? NOT_STARTED);
  return started !== 0 ? started : b.id - a.id;
}

/** The BuildVerifier port on AWS: GitHub's API with the token from Secrets Manager. */
export const awsBuildVerifier = (): GitHubBuildVerifier =>
  once(
    'github',
    () =>
      new GitHubBuildVerifier(() => awsSecrets().get('github-token'), readLambdaEnv().SLUICE_GITHUB_API_URL),
  );

/** The CheckReporter port on AWS: the same client (the token must be a GitHub App installation token). */
export const awsCheckReporter = (): CheckReporter => awsBuildVerifier();
