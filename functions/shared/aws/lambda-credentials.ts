import { fromEnv } from '@aws-sdk/credential-provider-env';

/**
 * Stands in for `@aws-sdk/credential-provider-node` in the Lambda bundles (an esbuild alias,
 * infra/bundling.ts): inside Lambda the execution role's keys are always in the environment
 * (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN: "the access keys obtained from the
 * function's execution role", Lambda's defined runtime environment variables), which is the first
 * link of the SDK's default chain anyway. The rest of that chain (SSO, INI files, web identity,
 * STS, IMDS and their nested clients) is about 100 KB of every bundle that Lambda never runs.
 */
export const defaultProvider: typeof fromEnv = (init) => fromEnv(init);
