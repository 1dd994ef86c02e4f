import { type BundlingOptions, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { BuildOptions } from 'esbuild';

/**
 * ESM output still meets CommonJS dependencies that call `require` (some of the AWS SDK's
 * transitive ones do); this banner gives the bundle a real `require` to call.
 */
export const ESM_REQUIRE_BANNER =
  "import { createRequire } from 'module';const require = createRequire(import.meta.url);";

/**
 * The one description of how a Sluice Lambda is bundled. The CDK construct and
 * `npm run bundle-size` both derive their esbuild options from it, so the size the script
 * reports is the size that is deployed.
 */
export const LAMBDA_BUNDLE = {
  /** Matches the Lambda runtime (Node.js 24). */
  target: 'node24',
  format: 'esm',
  minify: true,
  /** Off: a source map would double the artifact, and the handlers log their own context. */
  sourcemap: false,
  banner: ESM_REQUIRE_BANNER,
  /** Empty: the AWS SDK v3 clients are bundled, pinned by the lockfile, not the runtime's copy. */
  externalModules: [] as string[],
  /** Prefer the ESM build of a dependency, which tree-shakes. */
  mainFields: ['module', 'main'],
  /**
   * The SDK's default credential chain, replaced by its first link: Lambda always provides the
   * role's keys in the environment (see the module's comment). Relative to the project root, where
   * NodejsFunction runs esbuild (locally, and as /asset-input in Docker).
   */
  alias: {
    '@aws-sdk/credential-provider-node': './functions/shared/aws/lambda-credentials.ts',
    /** The event stream codec, which no Sluice call uses (see the module's comment). */
    '@smithy/core/event-streams': './functions/shared/aws/no-event-streams.ts',
  },
} as const;

/** A POSIX shell word that stands for exactly `value`, whatever it holds. */
export function shellQuote(value: string): string {
  return `'${value.replaceAll("'", `'\\''`)}'`;
}

/**
 * Shell commands that write each file into the bundle's output directory. NodejsFunction runs
 * command hooks with `bash -c` whether it bundles locally or in Docker, so the content travels in
 * the command rather than as a path on this machine that a container could not see. It also puts
 * the content in the asset hash when synth skips bundling (the hash covers the commands).
 */
export function writeFilesCommands(outputDir: string, files: Readonly<Record<string, string>>): string[] {
  return Object.entries(files).map(
    ([name, content]) => `printf '%s' ${shellQuote(content)} > ${shellQuote(`${outputDir}/${name}`)}`,
  );
}

/**
 * The NodejsFunction `bundling` prop.
 * @param files written next to index.mjs after esbuild, e.g. the config (`sluice-config.json`);
 *   the asset hash is the output's, so a file's change is a code change that redeploys the function.
 */
export function cdkBundling(files: Readonly<Record<string, string>> = {}): BundlingOptions {
  return {
    target: LAMBDA_BUNDLE.target,
    format: OutputFormat.ESM,
    minify: LAMBDA_BUNDLE.minify,
    sourceMap: LAMBDA_BUNDLE.sourcemap,
    banner: LAMBDA_BUNDLE.banner,
    externalModules: [...LAMBDA_BUNDLE.externalModules],
    mainFields: [...LAMBDA_BUNDLE.mainFields],
    esbuildArgs: Object.fromEntries(
      Object.entries(LAMBDA_BUNDLE.alias).map(([from, to]) => [`--alias:${from}`, to]),
    ),
    forceDockerBundling: false,
    commandHooks: {
      beforeBundling: () => [],
      beforeInstall: () => [],
      afterBundling: (_inputDir, outputDir) => writeFilesCommands(outputDir, files),
    },
  };
}

/** The same bundle through esbuild's API, as NodejsFunction runs its CLI (bundle, platform node). */
export function esbuildOptions(entryPoint: string, outfile: string): BuildOptions {
  return {
    entryPoints: [entryPoint],
    outfile,
    bundle: true,
    platform: 'node',
    target: LAMBDA_BUNDLE.target,
    format: LAMBDA_BUNDLE.format,
    minify: LAMBDA_BUNDLE.minify,
    sourcemap: LAMBDA_BUNDLE.sourcemap,
    banner: { js: LAMBDA_BUNDLE.banner },
    external: [...LAMBDA_BUNDLE.externalModules],
    mainFields: [...LAMBDA_BUNDLE.mainFields],
    alias: { ...LAMBDA_BUNDLE.alias },
  };
}
