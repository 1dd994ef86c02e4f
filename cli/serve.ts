import { apiTokenFile, issueApiToken } from '../embedded/api-token.js';
import type { ConfigFile } from '../embedded/config.js';
import { EmbeddedRuntime } from '../embedded/runtime.js';
import { createApp, listen } from '../embedded/server.js';
import { alarmWords } from './format.js';

/** `sluice serve`: the embedded runtime behind an HTTP API, until interrupted. */
export async function serveLocally(options: {
  config: ConfigFile;
  port: number;
  verbose?: boolean;
}): Promise<void> {
  const runtime = await EmbeddedRuntime.start({
    config: options.config,
    onAlarmEvent: (event, result, route) => {
      console.log(alarmWords(event.detail, result, route).trim());
      if (options.verbose) console.log(`  (alarm handler) ${JSON.stringify(result)}`);
    },
  });
  const apiToken = issueApiToken();
  const server = await listen(createApp(runtime, { apiToken }), options.port);
  runtime.notifications.deployments.pageUrl = server.url;
  console.log(`sluice serving on ${server.url}`);
  console.log(`  page: ${server.url}/   (releases, live split, approvals, what would go to Slack)`);
  console.log(`  POST ${server.url}/webhooks/github   POST ${server.url}/slack/interactions`);
  console.log(`  API token for /api: ${apiTokenFile()} (the CLI reads it)`);
  for (const [env, url] of Object.entries(runtime.listenerUrls)) {
    const account = runtime.accounts.accountOf(env);
    const own =
      account !== runtime.accounts.delivery.account ? ` (account ${account}, through its role)` : '';
    console.log(`  listener ${env}: ${url}${own}`);
  }
  console.log(`  webhook secret: .sluice/secrets.json (github-webhook), or SLUICE_GITHUB_WEBHOOK_SECRET`);
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await server.close();
  await runtime.close();
}
