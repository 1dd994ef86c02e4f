#!/usr/bin/env node
// Runs the TypeScript CLI directly through tsx: no build step between `npm ci` and `npm start`.
import { register } from 'tsx/esm/api';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
register();
const { main } = await import('../cli/main.ts');
process.exitCode = await main(process.argv);
