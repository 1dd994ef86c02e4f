import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Duration, Stack } from 'aws-cdk-lib';
import { Fact, FactName, RegionInfo } from 'aws-cdk-lib/region-info';
import fc from 'fast-check';
import { deployedConfig, loadConfig } from '../../embedded/config.js';
import { CONFIG_FILE_NAME } from '../../functions/shared/aws/config-port.js';
import type { LambdaEnvInput } from '../../functions/shared/aws/env.js';
import { configJson, type SluiceConfig } from '../../functions/shared/domain/config.js';
import { writeFilesCommands } from '../../infra/bundling.js';
import { SluiceFunction } from '../../infra/constructs/sluice-function.js';
import {
  environmentBytes,
  LAMBDA_ENVIRONMENT_MAX_BYTES,
  stackEnvironmentWorstCase,
  TOKEN_WORST_CASE,
  UnmeasurableTokenError,
  worstCaseEnvironmentBytes,
  worstCaseValue,
} from '../../infra/lambda-environment.js';
import { addSluice } from '../../infra/sluice-app.js';

// Lambda quota: "Environment variables: 4 KB, for all environment variables associated with the
// function, in total". Lambda measures the Variables map as JSON: its error quotes the string it
// measured, `{"KEY":"value",…}` with a value's quotes escaped (terraform-aws-github-runner#3594),
// and LocalStack's AWS-validated test measures `json.dumps(environment)` (localstack#6862).

const root = new URL('../..', import.meta.url).pathname;
const config = deployedConfig(loadConfig(join(root, 'sluice.config.yaml')));
const fixtureEntry = join(root, 'test/fixtures/lambda/config-handler.ts');
const outdir = () => mkdtempSync(join(tmpdir(), 'sluice-cdk-env-'));
const skipBundling = { 'aws:cdk:bundling-stacks': [] };
// biome-ignore lint/suspicious/noExplicitAny: synthesized CloudFormation is untyped JSON.
type Resources = Record<string, { Type: string; Properties: any }>;

const ENV: LambdaEnvInput = {
  SLUICE_TABLE_NAME: 'sluice-releases',
  SLUICE_STATE_MACHINE_ARN: 'arn:aws:states:us-east-1:123456789012:stateMachine:sluice-release',
  SLUICE_PIPELINE_STATE_MACHINE_ARN: 'arn:aws:states:us-east-1:123456789012:stateMachine:sluice-pipeline',
  SLUICE_GITHUB_WEBHOOK_SECRET_NAME: 'sluice/github-webhook',
  SLUICE_GITHUB_TOKEN_SECRET_NAME: 'sluice/github-token',
  SLUICE_SLACK_SIGNING_SECRET_NAME: 'sluice/slack-signing',
  SLUICE_SLACK_BOT_TOKEN_SECRET_NAME: 'sluice/slack-bot-token',
  SLUICE_GITHUB_API_URL: 'https://api.github.com',
};

function functionStack(app: App, id: string, props: { environment?: LambdaEnvInput; config?: SluiceConfig }) {
  const stack = new Stack(app, id);
  const fn = new SluiceFunction(stack, 'Fn', {
    entry: fixtureEntry,
    environment: props.environment ?? ENV,
    config: props.config ?? config,
    description: 'test',
    timeout: Duration.seconds(3),
  });
  return { stack, fn };
}

/** The S3 key of the one function's code in a synthesized stack: its asset hash. */
function codeKey(app: App, stackName: string): string {
  const template = app.synth().getStackByName(stackName).template;
  const fn = Object.values(template.Resources as Resources).find((r) => r.Type === 'AWS::Lambda::Function');
  return fn?.Properties.Code.S3Key as string;
}

describe('Lambda environment size', () => {
  describe('Function: environmentBytes', () => {
    it('counts the JSON of the whole map: names, quotes, separators, and every quote in a value twice', () => {
      expect(environmentBytes({ A: 'x' })).toBe('{"A":"x"}'.length);
      expect(environmentBytes({ A: 'x', B: 'y' })).toBe('{"A":"x","B":"y"}'.length);
      expect(environmentBytes({ A: '{"k":1}' })).toBe('{"A":"{\\"k\\":1}"}'.length);
    });

    it('counts bytes, not characters', () => {
      expect(environmentBytes({ A: 'é' })).toBe('{"A":""}'.length + 2);
    });
  });

  describe('Function: worstCaseValue', () => {
    const types = { Table: 'AWS::DynamoDB::Table', Queue: 'AWS::SQS::Queue' };

    it('keeps literal strings as they are', () => {
      expect(worstCaseValue('sluice/checkout/github-token', types)).toBe('sluice/checkout/github-token');
    });

    it("takes a generated DynamoDB table name at DynamoDB's longest, 255 characters", () => {
      expect(worstCaseValue({ Ref: 'Table' }, types)).toHaveLength(255);
    });

    it('joins an ARN with the longest partition, region and account', () => {
      const arn = {
        'Fn::Join': [
          '',
          [
            'arn:',
            { Ref: 'AWS::Partition' },
            ':states:',
            { Ref: 'AWS::Region' },
            ':',
            { Ref: 'AWS::AccountId' },
            ':stateMachine:m',
          ],
        ],
      };
      expect(worstCaseValue(arn, types)).toHaveLength(
        'arn::states:::stateMachine:m'.length +
          TOKEN_WORST_CASE.partition +
          TOKEN_WORST_CASE.region +
          TOKEN_WORST_CASE.accountId,
      );
    });

    it('refuses a token it has no worst case for, so a new kind of variable cannot pass unmeasured', () => {
      expect(() => worstCaseValue({ Ref: 'Queue' }, types)).toThrow(UnmeasurableTokenError);
      expect(() => worstCaseValue({ 'Fn::GetAtt': ['Table', 'Arn'] }, types)).toThrow(UnmeasurableTokenError);
    });
  });

  it('takes partitions, regions and URL suffixes at least as long as any aws-cdk-lib knows', () => {
    const regions = RegionInfo.regions.map((r) => r.name);
    const longest = (values: (string | undefined)[]) => Math.max(...values.map((v) => v?.length ?? 0));

    expect(TOKEN_WORST_CASE.region).toBeGreaterThanOrEqual(longest(regions));
    expect(TOKEN_WORST_CASE.partition).toBeGreaterThanOrEqual(
      longest(regions.map((r) => Fact.find(r, FactName.PARTITION))),
    );
    expect(TOKEN_WORST_CASE.urlSuffix).toBeGreaterThanOrEqual(
      longest(regions.map((r) => Fact.find(r, FactName.DOMAIN_SUFFIX))),
    );
  });

  describe('Function: writeFilesCommands', () => {
    // NodejsFunction runs command hooks with `bash -c`, locally and in Docker.
    // The content is JSON, which never holds a raw NUL (JSON.stringify escapes control characters).
    it('writes any JSON byte for byte through bash', () => {
      const dir = mkdtempSync(join(tmpdir(), 'sluice-files-'));
      const json = fc.string({ unit: 'binary', maxLength: 200 }).map((s) => JSON.stringify({ s }));
      fc.assert(
        fc.property(fc.array(json, { minLength: 1, maxLength: 20 }), (contents) => {
          const files = Object.fromEntries(contents.map((content, i) => [`f${i}.json`, content]));
          execFileSync('bash', ['-c', writeFilesCommands(dir, files).join(' && ')]);
          for (const [name, content] of Object.entries(files)) {
            expect(readFileSync(join(dir, name), 'utf8')).toBe(content);
          }
        }),
        { numRuns: 5 },
      );
    });
  });

  describe('Class: SluiceFunction', () => {
    const padded = (bytes: number): LambdaEnvInput => {
      const url = 'https://github.example.com/';
      const base = environmentBytes({ ...ENV, SLUICE_GITHUB_API_URL: url } as Record<string, string>);
      return { ...ENV, SLUICE_GITHUB_API_URL: url + 'a'.repeat(bytes - base) };
    };

    it('synthesizes a function whose environment measures exactly 4,096 bytes', () => {
      const app = new App({ outdir: outdir(), context: skipBundling });
      const { fn } = functionStack(app, 'AtLimit', { environment: padded(LAMBDA_ENVIRONMENT_MAX_BYTES) });

      expect(() => app.synth()).not.toThrow();
      expect(fn.worstCaseEnvironmentBytes()).toBe(LAMBDA_ENVIRONMENT_MAX_BYTES);
    });

    it('refuses at synth a function whose environment measures 4,097 bytes, naming it and the measure', () => {
      const app = new App({ outdir: outdir(), context: skipBundling });
      functionStack(app, 'OverLimit', { environment: padded(LAMBDA_ENVIRONMENT_MAX_BYTES + 1) });

      expect(() => app.synth()).toThrow(/OverLimit\/Fn .*measures up to 4097 bytes/);
    });

    it('bundles the config as sluice-config.json next to index.mjs, and the bundled handler reads it', async () => {
      const dir = outdir();
      const app = new App({ outdir: dir });
      functionStack(app, 'Bundled', {});
      const asset = join(dir, `asset.${codeKey(app, 'Bundled').replace(/\.zip$/, '')}`);

      expect(existsSync(join(asset, 'index.mjs'))).toBe(true);
      expect(readFileSync(join(asset, CONFIG_FILE_NAME), 'utf8')).toBe(configJson(config));
      const answer = execFileSync(
        process.execPath,
        [
          '--input-type=module',
          '-e',
          `const { handler } = await import('${join(asset, 'index.mjs')}'); console.log(JSON.stringify(await handler()));`,
        ],
        { env: { PATH: process.env.PATH, LAMBDA_TASK_ROOT: asset }, encoding: 'utf8' },
      );
      expect(JSON.parse(answer)).toEqual({ service: config.service });
    });

    it('changes the code hash when the config changes, so a config change redeploys the function', () => {
      const app = new App({ outdir: outdir() });
      functionStack(app, 'Before', {});
      functionStack(app, 'After', {
        config: {
          ...config,
          environments: config.environments.map((e) => ({ ...e, alarms: [...e.alarms, 'one-more-alarm'] })),
        },
      });
      functionStack(app, 'Same', {});

      expect(codeKey(app, 'After')).not.toBe(codeKey(app, 'Before'));
      expect(codeKey(app, 'Same')).toBe(codeKey(app, 'Before'));
    });
  });

  describe('Template: every Sluice function', () => {
    // One synth of the whole stack; bundling skipped (the bundle is checked above).
    const app = new App({ outdir: outdir(), context: skipBundling });
    const stack = addSluice(app, { config, nag: false });
    const template = app.synth().getStackByName(stack.stackName).template;
    const resources = template.Resources as Resources;
    const resourceTypes = Object.fromEntries(Object.entries(resources).map(([id, r]) => [id, r.Type]));
    const functions = Object.entries(resources).filter(([, r]) => r.Type === 'AWS::Lambda::Function');
    const measures = functions.map(([id, r]) => ({
      id,
      bytes: worstCaseEnvironmentBytes(r.Properties.Environment.Variables, resourceTypes),
    }));

    it('has an environment of at most 4,096 bytes as Lambda measures it, every token at its longest', () => {
      expect(functions).toHaveLength(17);
      for (const { id, bytes } of measures) {
        expect({ id, fits: bytes <= LAMBDA_ENVIRONMENT_MAX_BYTES, bytes }).toEqual({ id, fits: true, bytes });
      }
    });

    it('measures what `sluice validate` reports', () => {
      const reported = stackEnvironmentWorstCase(config.service).bytes;
      for (const { id, bytes } of measures) expect({ id, bytes }).toEqual({ id, bytes: reported });
    });
  });
});
