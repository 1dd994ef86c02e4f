import type { Command } from 'commander';
import { apiOption, apiToken, EXIT, Exit } from './shared.js';

type Decision = 'approve' | 'reject';

/** `sluice approve` and `sluice reject`: a signed Slack click on `sluice serve`. */
export function addApprovalCommands(program: Command): void {
  for (const action of ['approve', 'reject'] as const) {
    program
      .command(action)
      .description(`${action} a pending approval, as a signed Slack click on \`sluice serve\``)
      .argument('<approval>', 'approval id (the page lists them)')
      .option(...apiOption)
      .option('--as <user>', 'the Slack user id to click as (default: the first approver)')
      .action(async (approval: string, opts: { url: string; as?: string }) => {
        await decideApproval(opts.url, approval, action, opts.as);
      });
  }
}

async function decideApproval(
  base: string,
  approval: string,
  action: Decision,
  user: string | undefined,
): Promise<void> {
  const response = await fetch(`${base}/api/approvals/${encodeURIComponent(approval)}/${action}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-sluice-token': apiToken() },
    body: JSON.stringify(user ? { user } : {}),
  });
  const result = (await response.json().catch(() => ({}))) as {
    status?: number;
    user?: string;
    said?: string[];
    error?: string;
  };
  if (!response.ok || result.status !== 200) {
    const why =
      result.error ??
      result.said?.join(' ') ??
      `the interaction was answered ${result.status ?? response.status}`;
    console.error(`${action} failed: ${why}`);
    throw new Exit(EXIT.failed);
  }
  const said = result.said?.length ? result.said.join(' ') : action === 'approve' ? 'approved' : 'rejected';
  console.log(`${approval}: ${said} (signed Slack click as ${result.user})`);
  if (result.said?.length) throw new Exit(EXIT.failed);
}
