import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { type TimelineView, timelineView } from '../../embedded/timeline.js';
import { isReleaseRecord } from '../../functions/shared/domain/release.js';
import { clock } from '../../functions/shared/domain/release-words.js';
import {
  apiOption,
  callApi,
  configOption,
  deployed,
  EXIT,
  Exit,
  regionOption,
  stackOption,
} from './shared.js';

export interface TimelineCommandOptions {
  url: string;
  stack?: string;
  region?: string;
  config: string;
  env?: string;
  svg?: string;
  json?: boolean;
  /** The serve API's token; default: the one `sluice serve` left in .sluice/api-token. */
  apiToken?: string;
}

/**
 * One environment's release as a timeline: from `sluice serve` (with both groups' traffic from the
 * embedded ALB), or with --stack from the release table (weights, markers, and the traffic the
 * canary analysis recorded: domain/timeline.ts says what AWS records hold).
 */
export async function timelineOf(release: string, opts: TimelineCommandOptions): Promise<TimelineView> {
  if (!opts.stack) {
    const path = `${opts.url}/api/releases/${encodeURIComponent(release)}/timeline${opts.env ? `?environment=${encodeURIComponent(opts.env)}` : ''}`;
    if (!opts.apiToken) return (await callApi(path)) as TimelineView;
    const response = await fetch(path, { headers: { 'x-sluice-token': opts.apiToken } });
    if (!response.ok) {
      console.error(await response.text());
      throw new Exit(EXIT.failed);
    }
    return (await response.json()) as TimelineView;
  }
  const { ports } = await deployed({ ...opts, stack: opts.stack });
  const records = (await ports.releases().recordsOf(release)).filter(isReleaseRecord);
  const record = opts.env
    ? records.find((r) => r.environment === opts.env)
    : records.sort((a, b) => b.startedAt.localeCompare(a.startedAt))[0];
  if (!record) {
    console.error(`no release ${release}${opts.env ? ` in ${opts.env}` : ''} in stack ${opts.stack}`);
    throw new Exit(EXIT.failed);
  }
  const groups = ports.config().environments.find((e) => e.name === record.environment)?.targetGroups;
  return timelineView(record, { ...(groups ? { groups } : {}), now: ports.now().getTime() });
}

/** `sluice timeline RELEASE [--env E] [--svg FILE]`: a release's weight, traffic and markers over time. */
export function addTimelineCommand(program: Command): void {
  program
    .command('timeline')
    .description(
      "a release's timeline: weight over time, each version's request and 5xx rate, alarms, analysis, approval and rollback",
    )
    .argument('<release>', 'release id (as `sluice status` lists it)')
    .option('--env <name>', 'environment (default: the latest one the release entered)')
    .option('--svg <file>', 'write the timeline as an SVG image to this file')
    .option('--json', 'print the timeline as JSON')
    .option(...apiOption)
    .option(...stackOption)
    .option(...regionOption)
    .option(...configOption)
    .action(async (release: string, opts: TimelineCommandOptions) => {
      const view = await timelineOf(release, opts);
      if (opts.svg) writeFileSync(opts.svg, view.svg);
      if (opts.json) {
        console.log(JSON.stringify({ timeline: view.timeline, words: view.words }, null, 2));
        return;
      }
      const { timeline } = view;
      const traffic =
        timeline.source === 'load-balancer'
          ? "traffic from the load balancer's per-group metrics"
          : timeline.source === 'analysis'
            ? 'traffic as the canary analysis counted it'
            : 'no traffic recorded';
      console.log(
        `${timeline.service} ${timeline.version} in ${timeline.environment}: ${timeline.markers.length} marker${timeline.markers.length === 1 ? '' : 's'}, ${traffic}`,
      );
      for (const line of view.words) console.log(`  ${clock(line.at)}  ${line.text}`);
      if (opts.svg) console.log(`wrote ${opts.svg}`);
    });
}
