import { readFileSync } from 'node:fs';
import yaml from 'js-yaml';

/** The stream event settings of one function, as serverless.yml declares them for a stage. */
export interface StreamMappingSettings {
  functionName: string;
  batchSize: number;
  batchWindow: number;
  bisectBatchOnFunctionError: boolean;
  maximumRetryAttempts: number;
  maximumRecordAgeInSeconds: number;
  reportBatchItemFailures: boolean;
  parallelizationFactor: number;
  startingPosition: string;
  tumblingWindowInSeconds: number | undefined;
  /** The mapping reads through its own registered consumer (enhanced fan-out: records pushed) instead of polling. */
  enhancedFanOut?: boolean;
}

/** What the local runtime reads from serverless.yml for a stage. */
export interface ServerlessConfig {
  service: string;
  stage: string;
  params: Record<string, unknown>;
  /** A numeric param of the stage; throws naming it when it is missing or not a number. */
  numberParam(name: string): number;
  mappings: Record<string, StreamMappingSettings>;
  /** The params block as declared: `default` and each stage's overrides, unresolved. */
  declaredParams: Record<string, Record<string, unknown>>;
  /** Each function's memory in MB: its own `memorySize`, else the provider's, else Lambda's 128. */
  functionMemoryMb: Record<string, number>;
}

// CloudFormation short-form tags load as plain data: the local runtime never evaluates them.
const CFN_TAGS = [
  '!Ref',
  '!GetAtt',
  '!Sub',
  '!If',
  '!Equals',
  '!Join',
  '!Select',
  '!Split',
  '!FindInMap',
  '!ImportValue',
  '!Not',
  '!And',
  '!Or',
  '!Condition',
  '!Base64',
  '!GetAZs',
  '!Cidr',
].flatMap((tag) =>
  (['scalar', 'sequence', 'mapping'] as const).map(
    (kind) => new yaml.Type(tag, { kind, construct: (data) => ({ [tag]: data }) }),
  ),
);
const SCHEMA = yaml.DEFAULT_SCHEMA.extend(CFN_TAGS);

type Doc = {
  service: string;
  params?: Record<string, Record<string, unknown>>;
  provider?: { memorySize?: unknown };
  custom?: { fanOut?: Record<string, unknown> };
  functions?: Record<string, { memorySize?: unknown; events?: { stream?: Record<string, unknown> }[] }>;
};

function resolveValue(value: unknown, params: Record<string, unknown>, stage: string): unknown {
  if (typeof value !== 'string') return value;
  const param = /^\$\{param:([A-Za-z0-9_]+)\}$/.exec(value);
  if (param) {
    if (!(param[1]! in params))
      throw new Error(`serverless.yml: \${param:${param[1]}} has no value for stage ${stage}`);
    return params[param[1]!];
  }
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a Serverless variable, not a JS template.
  return value.replaceAll('${sls:stage}', stage);
}

/**
 * Reads the Kinesis stream events of every function in serverless.yml for a stage, resolving
 * `${param:…}` from `params.<stage>` over `params.default`, so the local event-source mappings use
 * exactly the deployed settings. Defaults are AWS's where a setting is absent.
 */
export function readServerlessConfig(path: string, stage: string): ServerlessConfig {
  const doc = yaml.load(readFileSync(path, 'utf8'), { schema: SCHEMA }) as Doc;
  const params = { ...doc.params?.default, ...doc.params?.[stage] };
  const mappings: Record<string, StreamMappingSettings> = {};
  const functionMemoryMb: Record<string, number> = {};
  for (const [name, fn] of Object.entries(doc.functions ?? {})) {
    const memory = Number(resolveValue(fn.memorySize ?? doc.provider?.memorySize ?? 128, params, stage));
    if (!Number.isFinite(memory)) throw new Error(`serverless.yml: functions.${name} memorySize is not a number`);
    functionMemoryMb[name] = memory;
    const stream = fn.events?.find((event) => event.stream)?.stream;
    if (!stream) continue;
    const get = (key: string) => resolveValue(stream[key], params, stage);
    const number = (key: string, fallback: number) => {
      const value = get(key);
      if (value === undefined) return fallback;
      const parsed = Number(value);
      if (!Number.isFinite(parsed))
        throw new Error(`serverless.yml: functions.${name} stream ${key} is not a number: ${String(value)}`);
      return parsed;
    };
    const window = get('tumblingWindowInSeconds');
    // `consumer: ${self:custom.fanOut.${param:enhancedFanOut}, null}`: a consumer when the stage's
    // param names a truthy entry of custom.fanOut.
    const consumer = stream.consumer;
    const fanOut =
      typeof consumer === 'string'
        ? /^\$\{self:custom\.fanOut\.\$\{param:([A-Za-z0-9_]+)\}, null\}$/.exec(consumer)
        : null;
    const enhancedFanOut = fanOut
      ? Boolean(doc.custom?.fanOut?.[String(params[fanOut[1]!])])
      : consumer === true || (typeof consumer === 'string' && consumer.startsWith('arn:'));
    mappings[name] = {
      functionName: `${doc.service}-${stage}-${name}`,
      batchSize: number('batchSize', 100),
      batchWindow: number('batchWindow', 0),
      bisectBatchOnFunctionError: get('bisectBatchOnFunctionError') === true,
      maximumRetryAttempts: number('maximumRetryAttempts', -1),
      maximumRecordAgeInSeconds: number('maximumRecordAgeInSeconds', -1),
      reportBatchItemFailures: get('functionResponseType') === 'ReportBatchItemFailures',
      parallelizationFactor: number('parallelizationFactor', 1),
      startingPosition: String(get('startingPosition') ?? 'LATEST'),
      tumblingWindowInSeconds: window === undefined ? undefined : Number(window),
      enhancedFanOut,
    };
  }
  const numberParam = (name: string) => {
    const value = Number(params[name]);
    if (params[name] === undefined || !Number.isFinite(value))
      throw new Error(`serverless.yml: param ${name} must be a number on stage ${stage}, got ${params[name]}`);
    return value;
  };
  return {
    service: doc.service,
    stage,
    params,
    numberParam,
    mappings,
    functionMemoryMb,
    declaredParams: doc.params ?? {},
  };
}
