import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import * as z from 'zod';
import {
  alarmOwners,
  ConfigError,
  checkSluiceConfig,
  duration,
  fieldOf,
  parseWith,
  type SluiceConfig,
  sluiceConfigShape,
  whenObject,
  wholeNumber,
} from '../functions/shared/domain/config.js';

export const DEFAULT_CONFIG_FILE = 'sluice.config.yaml';

/** An alarm of the embedded runtime's CloudWatch; on AWS the alarm itself lives in CloudWatch. */
export const LocalAlarm = z.strictObject({
  metric: z.enum(['RequestCount', 'HTTPCode_Target_5XX_Count', 'TargetResponseTime', 'ErrorRate']),
  /** The TargetGroup dimension: one group's metric; without it, the whole listener's (LoadBalancer dimension). */
  targetGroup: z.enum(['blue', 'green']).optional(),
  statistic: z.enum(['Sum', 'Average', 'Maximum', 'p50', 'p90', 'p99']).default('Sum'),
  comparison: z
    .enum([
      'GreaterThanThreshold',
      'GreaterThanOrEqualToThreshold',
      'LessThanThreshold',
      'LessThanOrEqualToThreshold',
    ])
    .default('GreaterThanThreshold'),
  threshold: z.number(),
  period: duration.default(60),
  evaluationPeriods: wholeNumber().min(1).default(1),
  datapointsToAlarm: wholeNumber().min(1).optional(),
  treatMissingData: z.enum(['missing', 'notBreaching', 'breaching', 'ignore']).default('missing'),
});

/** The config file's `embedded` section: settings only the embedded runtime reads. */
const EmbeddedSection = z
  .strictObject({
    /** Multiplies every bake, watch and alarm period: 0.05 turns 1m into 3s. */
    timeScale: z.number().positive().max(1).default(0.05),
    alarms: z.record(z.string(), LocalAlarm).default({}),
  })
  .default({ timeScale: 0.05, alarms: {} });

/**
 * `sluice.config.yaml`: the Sluice config plus the embedded runtime's section. On AWS the
 * section is dropped at synth; the Lambdas never see it.
 */
export const ConfigFileSchema = z
  .strictObject({ ...sluiceConfigShape, embedded: EmbeddedSection })
  .superRefine(
    (file, ctx) => {
      checkSluiceConfig(file, ctx);
      const owners = alarmOwners(file);
      const localAlarms = fieldOf(file.embedded, 'alarms');
      for (const name of Object.keys(
        typeof localAlarms === 'object' && localAlarms !== null ? localAlarms : {},
      )) {
        if (!owners.has(name)) {
          ctx.addIssue({
            code: 'custom',
            path: ['embedded', 'alarms', name],
            message: 'no environment lists this alarm',
          });
        }
      }
    },
    { when: whenObject },
  );

/** A validated config file: the Sluice config with its embedded section. */
export type ConfigFile = z.output<typeof ConfigFileSchema>;
export type LocalAlarmConfig = z.output<typeof LocalAlarm>;

/** Validates a parsed config file; throws ConfigError listing every problem with its path. */
export function parseConfigFile(document: unknown, source?: string): ConfigFile {
  return parseWith(ConfigFileSchema, document, source);
}

/** The Sluice config alone, as the Lambdas receive it (sluice-config.json in each bundle). */
export function deployedConfig(file: ConfigFile): SluiceConfig {
  const { embedded: _embedded, ...config } = file;
  return config;
}

/** The config file's JSON Schema, for editors (yaml-language-server) and `sluice schema`. */
export function configJsonSchema(): unknown {
  return z.toJSONSchema(ConfigFileSchema, { io: 'input', unrepresentable: 'any' });
}

/** Reads and validates a YAML config file. */
export function loadConfig(file = DEFAULT_CONFIG_FILE): ConfigFile {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigError([{ path: '', message: `cannot read ${file}: ${(error as Error).message}` }], file);
  }
  let document: unknown;
  try {
    document = parse(text, { prettyErrors: true });
  } catch (error) {
    throw new ConfigError([{ path: '', message: `not valid YAML: ${(error as Error).message}` }], file);
  }
  return parseConfigFile(document, file);
}
