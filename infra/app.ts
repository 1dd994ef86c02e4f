import { App } from 'aws-cdk-lib';
import { DEFAULT_CONFIG_FILE, deployedConfig, loadConfig } from '../embedded/config.js';
import { ConfigError } from '../functions/shared/domain/config.js';
import { AccountsError } from './accounts.js';
import { addSluice } from './sluice-app.js';

// Environment-agnostic on purpose: synth needs no account, region or credentials; `cdk deploy`
// takes them from the profile it runs with.
const app = new App();
const configFile: string = app.node.tryGetContext('sluice:config') ?? DEFAULT_CONFIG_FILE;
try {
  addSluice(app, { config: deployedConfig(loadConfig(configFile)) });
} catch (error) {
  if (!(error instanceof ConfigError || error instanceof AccountsError)) throw error;
  console.error(error.message);
  process.exit(1);
}
app.synth();
