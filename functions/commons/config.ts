import { DEFAULT_RULE_CONFIG, type RuleConfig } from '../../src/rules/rule-config.js';

/** Log levels Powertools understands. */
export type LogLevel = 'DEBUG' | 'INFO' | 'WARN' | 'ERROR' | 'SILENT';

/**
 * Everything the functions read from the environment, read once at cold start.
 * See the configuration table in README.md.
 */
export interface FleetstreamConfig {
  stage: string;
  rules: RuleConfig;
  windowSeconds: number;
  allowedLatenessSeconds: number;
  dedupeCapacity: number;
  dimensionsDir: string;
  logLevel: LogLevel;
  /** Where file sinks write when an AWS destination is not configured. */
  localOut: string;
  /** `<prefix><table>` names each lake table's Firehose stream (src/sinks/delivery-streams.ts). */
  lakeStreamPrefix: string | undefined;
  /** `<prefix><index family>` names each search Firehose stream. */
  searchStreamPrefix: string | undefined;
  alertsTopicArn: string | undefined;
  rejectsBucket: string | undefined;
  /** Where accepted events, search documents and window rows go as JSONL when no delivery stream is set. */
  lakeBucket: string | undefined;
}

/** A setting that is missing or malformed; the cold start fails with its name. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

function readNumber(env: NodeJS.ProcessEnv, name: string, fallback: number, min = 0): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < min) throw new ConfigError(`${name} must be a number >= ${min}, got "${raw}"`);
  return value;
}

function readOptional(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const raw = env[name];
  return raw === undefined || raw.trim() === '' ? undefined : raw.trim();
}

const LOG_LEVELS: readonly LogLevel[] = ['DEBUG', 'INFO', 'WARN', 'ERROR', 'SILENT'];

/**
 * Reads the FLEETSTREAM_* variables into one typed object.
 *
 * @example const config = readConfig(process.env);
 */
export function readConfig(env: NodeJS.ProcessEnv): FleetstreamConfig {
  const logLevel = (env.FLEETSTREAM_LOG_LEVEL ?? 'INFO').toUpperCase() as LogLevel;
  if (!LOG_LEVELS.includes(logLevel))
    throw new ConfigError(`FLEETSTREAM_LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}`);
  return {
    stage: env.FLEETSTREAM_STAGE ?? 'local',
    rules: {
      speedingKmh: readNumber(env, 'FLEETSTREAM_SPEEDING_KMH', DEFAULT_RULE_CONFIG.speedingKmh),
      highRpm: readNumber(env, 'FLEETSTREAM_HIGH_RPM', DEFAULT_RULE_CONFIG.highRpm),
      poorAqi: readNumber(env, 'FLEETSTREAM_POOR_AQI', DEFAULT_RULE_CONFIG.poorAqi),
      gpsJumpKmh: readNumber(env, 'FLEETSTREAM_GPS_JUMP_KMH', DEFAULT_RULE_CONFIG.gpsJumpKmh),
    },
    windowSeconds: readNumber(env, 'FLEETSTREAM_WINDOW_SECONDS', 900, 1),
    allowedLatenessSeconds: readNumber(env, 'FLEETSTREAM_ALLOWED_LATENESS_SECONDS', 120),
    dedupeCapacity: readNumber(env, 'FLEETSTREAM_DEDUPE_CAPACITY', 1_000_000, 1),
    dimensionsDir: env.FLEETSTREAM_DIMENSIONS_DIR ?? 'data',
    logLevel,
    localOut: env.FLEETSTREAM_LOCAL_OUT ?? '.fleetstream/invoke-local',
    lakeStreamPrefix: readOptional(env, 'FLEETSTREAM_LAKE_STREAM_PREFIX'),
    searchStreamPrefix: readOptional(env, 'FLEETSTREAM_SEARCH_STREAM_PREFIX'),
    alertsTopicArn: readOptional(env, 'FLEETSTREAM_ALERTS_TOPIC_ARN'),
    rejectsBucket: readOptional(env, 'FLEETSTREAM_REJECTS_BUCKET'),
    lakeBucket: readOptional(env, 'FLEETSTREAM_LAKE_BUCKET'),
  };
}
