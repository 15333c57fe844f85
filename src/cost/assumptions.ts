/** EC2 shape of an instance type the batch job may run on (for EMR Serverless equivalence). */
export interface InstanceShape {
  vcpu: number;
  memoryGb: number;
}

/** What the model assumes where neither serverless.yml nor a price says; each has a reason in ASSUMPTION_NOTES. */
export interface Assumptions {
  /** Events one core decodes, validates and enriches per second (bench/results/latest.json). */
  ingestEventsPerSecondPerCore: number;
  /** Memory at which Lambda gives a function one full vCPU. */
  lambdaFullVcpuMb: number;
  /** Wall time an ingest batch waits on its sinks (Firehose, OpenSearch _bulk, SNS). */
  ingestIoMsPerBatch: number;
  /** Wall time an aggregate batch spends outside its CPU work. */
  aggregateIoMsPerBatch: number;
  /** Serialised size of one alert (lake row and SNS message). */
  alertBytes: number;
  /** Serialised size of one window aggregate row. */
  windowRowBytes: number;
  /** Window rows one shard writes per tumbling window (7 colours + 7 models). */
  windowRowsPerShardPerWindow: number;
  /** Serialised JSON bytes of an event over its bytes in the Parquet lake. */
  parquetCompressionRatio: number;
  /** Log bytes per invocation at INFO: platform lines, the EMF metrics blob, the function's own line. */
  logBytesPerInvocation: { ingest: number; aggregate: number };
  /** Log bytes per invocation that do not depend on the log level (platform lines and EMF metrics). */
  logBytesPerInvocationAlways: { ingest: number; aggregate: number };
  /** How many times more a DEBUG invocation logs than an INFO one. */
  debugLogFactor: number;
  /** S3 GET requests Athena issues per Parquet object it reads (footer, column chunks). */
  s3GetsPerObjectRead: number;
  /** Shards an on-demand stream starts with (4 MB/s write); it scales to twice the peak. */
  onDemandMinShards: number;
  /** Minutes a transient EMR cluster takes to start and terminate around its step. */
  emrOverheadMinutes: number;
  /** Minutes of Spark work per GB of a day's Parquet per core node. */
  emrMinutesPerGbPerCoreNode: number;
  /** Shapes of the instance types the batch job may use. */
  instanceShapes: Record<string, InstanceShape>;
  /** Per-row byte width of a Parquet column by type, for the share of a table a query reads. */
  columnWidthBytes: Record<string, number>;
  /** Width of the unique-id columns (event_id, alert_id, window_id), random-looking strings. */
  idColumnWidthBytes: number;
  /** Days of event time one run of a named query reads (its `dt BETWEEN ? AND ?` window). */
  queryWindowDays: number;
}

/** The defaults `fleetstream cost` uses (ingestEventsPerSecondPerCore comes from the bench file). */
export const DEFAULT_ASSUMPTIONS: Omit<Assumptions, 'ingestEventsPerSecondPerCore'> = {
  lambdaFullVcpuMb: 1769,
  ingestIoMsPerBatch: 100,
  aggregateIoMsPerBatch: 5,
  alertBytes: 300,
  windowRowBytes: 250,
  windowRowsPerShardPerWindow: 14,
  parquetCompressionRatio: 8,
  logBytesPerInvocation: { ingest: 700, aggregate: 400 },
  logBytesPerInvocationAlways: { ingest: 1_800, aggregate: 900 },
  debugLogFactor: 5,
  s3GetsPerObjectRead: 2,
  onDemandMinShards: 4,
  emrOverheadMinutes: 10,
  emrMinutesPerGbPerCoreNode: 1,
  instanceShapes: { 'm6g.xlarge': { vcpu: 4, memoryGb: 16 } },
  columnWidthBytes: { string: 16, bigint: 8, double: 8, timestamp: 8, boolean: 1, location: 16, map_double: 24 },
  idColumnWidthBytes: 36,
  queryWindowDays: 1,
};

/** Why each assumption has its value: what docs/cost.md prints beside it. */
export const ASSUMPTION_NOTES: Readonly<Record<keyof Assumptions, string>> = {
  ingestEventsPerSecondPerCore:
    'measured by `npm run bench` on the development machine (x86), not on Graviton; scaled by the vCPU share the memory buys',
  lambdaFullVcpuMb:
    'Lambda allocates CPU in proportion to memory, one vCPU at 1,769 MB; more does not help one JS thread',
  ingestIoMsPerBatch:
    'not measured: a Firehose PutRecordBatch, an OpenSearch _bulk and an SNS PublishBatch in parallel, each tens of ms',
  aggregateIoMsPerBatch: 'not measured: aggregate returns its window state and writes only when a window closes',
  alertBytes: 'an alert row from the fleet simulator is 250-300 bytes',
  windowRowBytes: 'a window row from the fleet simulator is about 250 bytes',
  windowRowsPerShardPerWindow: 'the fleet dimensions: 7 colours and 7 models',
  parquetCompressionRatio:
    'stated, not measured: the simulator’s regular data compresses about 50:1, real telemetry far less; third-party pages quote 5-20:1 for Parquet with Snappy',
  logBytesPerInvocation: 'the function’s own INFO line per batch (`batch processed`, `window step`) with its keys',
  logBytesPerInvocationAlways:
    'START/END/REPORT platform lines and the EMF metrics blob Powertools writes per invocation',
  debugLogFactor: 'not measured: DEBUG adds per-record detail',
  s3GetsPerObjectRead: 'Parquet footer plus one ranged read of the needed column chunks',
  onDemandMinShards:
    'a new on-demand stream has 4 MB/s write capacity and scales to twice its previous peak (third-party)',
  emrOverheadMinutes: 'not measured: provisioning, bootstrap and termination of a 3-node cluster',
  emrMinutesPerGbPerCoreNode: 'not measured: the PySpark job reads one day of Parquet and writes small aggregates',
  instanceShapes: 'EC2 instance specifications',
  columnWidthBytes: 'typed width per row before compression; low-cardinality strings are dictionary-encoded',
  idColumnWidthBytes: 'a UUID-like id is 36 bytes and barely compresses',
  queryWindowDays:
    'a run several times a day answers about the current day: one day, 24 hour partitions per table read; a week or a month is `--query-window-days 7` or `30`',
};
