import type { ConfigFile } from '../embedded/config.js';
import { EmbeddedRuntime } from '../embedded/runtime.js';
import { createApp, listen } from '../embedded/server.js';

/** `sluice serve`: the embedded runtime behind an HTTP API, until interrupted. */
export async function serveLocally(options: { config: ConfigFile; port: number }): Promise<void> {
  const runtime = await EmbeddedRuntime.start({
    config: options.config,
    onAlarmEvent: (event, result) =>
      console.log(`alarm ${event.detail.alarmName} → ${event.detail.state.value}: ${JSON.stringify(result)}`),
  });
  const server = await listen(createApp(runtime), options.port);
  console.log(`sluice serving on ${server.url}`);
  console.log(`  POST ${server.url}/webhooks/github   GET ${server.url}/api/releases`);
  for (const [env, url] of Object.entries(runtime.listenerUrls)) console.log(`  listener ${env}: ${url}`);
  console.log(`  webhook secret: .sluice/secrets.json (github-webhook), or SLUICE_GITHUB_WEBHOOK_SECRET`);
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await server.close();
  await runtime.close();
}
