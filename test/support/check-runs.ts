import { createRequire } from 'node:module';

interface Example {
  name: string;
  examples: { action?: string; check_run?: Record<string, unknown>; check_suite?: Record<string, unknown> }[];
}
const examples = createRequire(import.meta.url)('@octokit/webhooks-examples') as Example[];

function example(event: 'check_run' | 'check_suite') {
  const found = examples.find((e) => e.name === event)?.examples.find((x) => x.action === 'completed');
  if (!found) throw new Error(`no completed ${event} example`);
  return structuredClone(found);
}

/** GitHub Actions' app id: its check runs carry `app.id` 15368. */
export const ACTIONS_APP_ID = 15368;

/**
 * A check run as the REST API lists it (GET /repos/{o}/{r}/commits/{ref}/check-runs), taken from
 * GitHub's own completed `check_run` example (@octokit/webhooks-examples) — the webhook's
 * `check_run` object is the REST check run — with the fields a test varies replaced.
 */
export function apiCheckRun(fields: {
  id: number;
  name: string;
  head_sha: string;
  status?: string;
  conclusion?: string | null;
  appId?: number;
}): Record<string, unknown> {
  const run = example('check_run').check_run as Record<string, unknown> & { app: Record<string, unknown> };
  const status = fields.status ?? 'completed';
  return {
    ...run,
    id: fields.id,
    name: fields.name,
    head_sha: fields.head_sha,
    status,
    conclusion: status === 'completed' ? (fields.conclusion ?? 'success') : null,
    started_at: `2026-11-30T10:${String(fields.id % 60).padStart(2, '0')}:00Z`,
    completed_at: status === 'completed' ? '2026-11-30T11:00:00Z' : null,
    app: { ...run.app, id: fields.appId ?? ACTIONS_APP_ID },
  };
}

/** GitHub's completed `check_suite` event (its own example), for a commit of a repository. */
// biome-ignore lint/suspicious/noExplicitAny: webhook payloads are large; tests vary a few fields
export function checkSuiteCompleted(repository: string, sha: string, appId = ACTIONS_APP_ID): any {
  const event = example('check_suite') as {
    check_suite: Record<string, unknown> & { app: Record<string, unknown> };
    repository: Record<string, unknown>;
  };
  const [, name] = repository.split('/');
  return {
    ...event,
    check_suite: {
      ...event.check_suite,
      head_sha: sha,
      after: sha,
      app: { ...event.check_suite.app, id: appId },
    },
    repository: { ...event.repository, full_name: repository, name },
  };
}

/** GitHub's completed `check_run` event (its own example), for a commit of a repository. */
// biome-ignore lint/suspicious/noExplicitAny: webhook payloads are large; tests vary a few fields
export function checkRunCompleted(repository: string, sha: string): any {
  const event = example('check_run') as {
    check_run: Record<string, unknown>;
    repository: Record<string, unknown>;
  };
  return {
    ...event,
    check_run: { ...event.check_run, head_sha: sha },
    repository: { ...event.repository, full_name: repository },
  };
}
