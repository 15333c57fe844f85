import { DEFAULT_RULE_CONFIG, type RuleConfig } from '#src/rules/rule-config.js';

/** Log levels Powertools understands. */
export type LogLevel = 'DEBUG' | 'INFO' | 'WARN' | 'ERROR' | 'SILENT';

/**
 * Everything the functions read from the environment, read once at cold start.
 * docs/configuration.md lists the same settings (a test keeps it in step with SETTINGS).
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
  /** The OpenSearch domain the functions index into (signed `_bulk`), by name. */
  searchDomain: string | undefined;
  alertsTopicArn: string | undefined;
  rejectsBucket: string | undefined;
  /** Where accepted events, search documents and window rows go as JSONL when no delivery stream is set. */
  lakeBucket: string | undefined;
  /** The data bucket: the dimension store ingest follows, the CSVs load-dimensions reads. */
  dataBucket: string | undefined;
  /** The Kinesis stream replay writes to. */
  streamName: string | undefined;
  /** The stream's provisioned shards: replay's write budget. */
  streamShards: number;
}

/** A setting that is missing or malformed; the cold start fails with its name. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** One environment variable: its name, its default as the docs show it, and what it means. */
export interface Setting {
  variable: string;
  default: string;
  meaning: string;
  /** A valid value, where not any text is (tests set it). */
  example?: string;
}

/** Every FLEETSTREAM_* variable a function reads. The docs' configuration table is generated from this list. */
export const SETTINGS: readonly Setting[] = [
  { variable: 'FLEETSTREAM_STAGE', default: '`local`', meaning: 'stage name in logs and metrics' },
  { variable: 'FLEETSTREAM_SPEEDING_KMH', default: '120', meaning: '`speeding` threshold (km/h)' },
  { variable: 'FLEETSTREAM_HIGH_RPM', default: '6000', meaning: '`high_rpm` threshold' },
  { variable: 'FLEETSTREAM_POOR_AQI', default: '150', meaning: '`poor_air_quality` threshold (air quality index)' },
  { variable: 'FLEETSTREAM_GPS_JUMP_KMH', default: '250', meaning: '`gps_jump` threshold (km/h)' },
  { variable: 'FLEETSTREAM_WINDOW_SECONDS', default: '900', meaning: 'aggregate window length' },
  { variable: 'FLEETSTREAM_ALLOWED_LATENESS_SECONDS', default: '120', meaning: 'aggregate allowed lateness' },
  {
    variable: 'FLEETSTREAM_DEDUPE_CAPACITY',
    default: '1000000',
    meaning: 'event ids a warm `ingest` container remembers for duplicate detection',
  },
  { variable: 'FLEETSTREAM_DIMENSIONS_DIR', default: '`data`', meaning: 'folder of the bundled dimension CSVs' },
  { variable: 'FLEETSTREAM_LOG_LEVEL', default: '`INFO`', meaning: 'DEBUG, INFO, WARN, ERROR, SILENT' },
  {
    variable: 'FLEETSTREAM_LOCAL_OUT',
    default: '`.fleetstream/invoke-local`',
    meaning: 'where file sinks write when no AWS destination is set',
  },
  {
    variable: 'FLEETSTREAM_LAKE_STREAM_PREFIX',
    default: 'unset',
    meaning: 'Firehose streams `<prefix><table>`, one per lake table (set where `analytics` is on)',
  },
  {
    variable: 'FLEETSTREAM_SEARCH_DOMAIN',
    default: 'unset',
    meaning:
      'the OpenSearch domain (by name; its endpoint from DescribeDomain) the functions index into with signed `_bulk` requests',
  },

  {
    variable: 'FLEETSTREAM_ALERTS_TOPIC_ARN',
    default: 'unset',
    meaning: 'SNS topic for alerts; unset → `alerts.jsonl`',
  },
  {
    variable: 'FLEETSTREAM_REJECTS_BUCKET',
    default: 'unset',
    meaning: 'S3 bucket for rejects, duplicates and late records; unset → files',
  },
  {
    variable: 'FLEETSTREAM_LAKE_BUCKET',
    default: 'unset',
    meaning: 'S3 bucket for events, search documents and window rows as JSONL when no delivery stream is set',
  },
  {
    variable: 'FLEETSTREAM_DATA_BUCKET',
    default: 'unset',
    meaning: 'data bucket: the dimension store `ingest` follows (once a minute), the CSVs `loadDimensions` reads',
  },
  { variable: 'FLEETSTREAM_STREAM_NAME', default: 'unset', meaning: 'the Kinesis stream `replay` writes to' },
  {
    variable: 'FLEETSTREAM_STREAM_SHARDS',
    default: '1',
    meaning: "the stream's shards: `replay`'s write budget (1,000 records/s and 1 MiB/s each)",
  },
];

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

/** The environment variable behind each optional destination, for `requireSetting`'s message. */
const VARIABLE_OF = {
  lakeStreamPrefix: 'FLEETSTREAM_LAKE_STREAM_PREFIX',
  searchDomain: 'FLEETSTREAM_SEARCH_DOMAIN',
  alertsTopicArn: 'FLEETSTREAM_ALERTS_TOPIC_ARN',
  rejectsBucket: 'FLEETSTREAM_REJECTS_BUCKET',
  lakeBucket: 'FLEETSTREAM_LAKE_BUCKET',
  dataBucket: 'FLEETSTREAM_DATA_BUCKET',
  streamName: 'FLEETSTREAM_STREAM_NAME',
} as const;

/** A setting that is optional in general but needed by one function. */
export type OptionalSetting = keyof typeof VARIABLE_OF;

/**
 * The value of a setting one function cannot run without; a ConfigError naming its variable otherwise.
 *
 * @example const bucket = requireSetting(config, 'dataBucket');
 */
export function requireSetting(config: FleetstreamConfig, key: OptionalSetting): string {
  const value = config[key];
  if (value === undefined) throw new ConfigError(`${VARIABLE_OF[key]} is not set`);
  return value;
}

/**
 * Reads the FLEETSTREAM_* variables (SETTINGS) into one typed object.
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
    lakeStreamPrefix: readOptional(env, VARIABLE_OF.lakeStreamPrefix),
    searchDomain: readOptional(env, VARIABLE_OF.searchDomain),
    alertsTopicArn: readOptional(env, VARIABLE_OF.alertsTopicArn),
    rejectsBucket: readOptional(env, VARIABLE_OF.rejectsBucket),
    lakeBucket: readOptional(env, VARIABLE_OF.lakeBucket),
    dataBucket: readOptional(env, VARIABLE_OF.dataBucket),
    streamName: readOptional(env, VARIABLE_OF.streamName),
    streamShards: readNumber(env, 'FLEETSTREAM_STREAM_SHARDS', 1, 1),
  };
}
