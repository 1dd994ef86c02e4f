import { App } from 'aws-cdk-lib';
import { ConfigError } from '../functions/shared/domain/config.js';
import { DEFAULT_CONFIG_FILE, loadConfig } from '../functions/shared/domain/load-config.js';
import { addSluice } from './sluice-app.js';

// Environment-agnostic on purpose: synth needs no account, region or credentials; `cdk deploy`
// takes them from the profile it runs with.
const app = new App();
const configFile: string = app.node.tryGetContext('sluice:config') ?? DEFAULT_CONFIG_FILE;
try {
  addSluice(app, { config: loadConfig(configFile) });
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  console.error(error.message);
  process.exit(1);
}
app.synth();
