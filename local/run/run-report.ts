import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ChaosStats } from '../chaos/chaos.js';
import type { MappingStats } from '../esm/event-source-mapping.js';
import type { LocalFirehoseStats } from '../firehose/local-firehose.js';
import type { OpenSearchStats } from '../search/opensearch-bulk-writer.js';
import type { LocalTopicStats } from '../sns/local-fifo-topic.js';
import type { KinesisEndpointStats } from '../stream/kinesis-endpoint-stream.js';
import type { LocalKinesisStats } from '../stream/local-kinesis.js';
import type { Verification } from '../verify/verify-run.js';
import type { LatencySummary } from './alert-latency.js';

/** The run's report, also written to `<out>/report.json`. */
export interface RunReport {
  scenario: string;
  seed: number;
  shards: number;
  stage: string;
  in: number;
  /** KPL aggregates the run read, and their user records (`in` counts each user record). */
  kpl_aggregates?: number;
  kpl_user_records?: number;
  /** Distinct events accepted (each in the lake once). */
  accepted: number;
  rejected: number;
  /** Records whose event_id was already accepted: recognised by ingest, or absorbed downstream (below). */
  duplicates: number;
  /** Of those, the ones a cold or another container accepted again; the sinks' keys absorbed them. */
  duplicates_downstream?: number;
  dead_lettered: number;
  by_type: Record<string, number>;
  by_rule: Record<string, number>;
  by_reason: Record<string, number>;
  /** Event-time windows emitted, closed by the watermark or flushed when Lambda's window ended. */
  windows_closed: number;
  /** Rows emitted with final = false (Lambda's processing window ended first; the queries merge them). */
  windows_flushed_partial: number;
  window_rows: number;
  late_records: number;
  lake_rows: Record<string, number>;
  /** What the lake's Firehose stand-in received (calls, records, objects, records it could not de-aggregate). */
  firehose: LocalFirehoseStats;
  /** What the alerts topic (SNS FIFO) published, delivered to its subscriber and deduplicated. */
  alerts_topic: LocalTopicStats;
  /** The faults a chaos run injected. */
  chaos?: ChaosStats;
  /** Where the search documents went: `_bulk` files, or a real OpenSearch node. */
  search: { kind: 'files'; dir: string } | ({ kind: 'opensearch' } & OpenSearchStats);
  /** The stream the records went through: in process, or a real one behind an endpoint. */
  stream: ({ kind: 'in-process'; name: string } & LocalKinesisStats) | ({ kind: 'kinesis' } & KinesisEndpointStats);
  mappings: Record<string, MappingStats>;
  /** Where the aggregate mapping ran: a worker thread of its own, or the main thread with ingest. */
  aggregate_thread: 'worker' | 'main';
  /** Worker threads ingest ran on, the shards split between them (0: on the main thread). */
  ingest_workers: number;
  wall_seconds: number;
  /** The process's peak resident memory up to the report (all threads, DuckDB included), before verification. */
  peak_rss_mb: number;
  /** CPU time of the whole process (ingest, the aggregate worker, DuckDB) during the run: unlike wall time, hardly moved by other load on the machine. */
  cpu_seconds: number;
  events_per_sec: number;
  /** Event-to-alert latency (ms) as the alerts topic's subscriber received them, when measured (`--rate` fleet runs). */
  alert_latency_ms?: LatencySummary;
  out_dir: string;
  /** The outputs proven against the run's own account of every record (local/verify/), when verified. */
  verification?: Verification;
  /** How long the verification took (not in wall_seconds). */
  verification_seconds?: number;
}

/** Thrown when the verification finds something lost, doubled or unexpected; report.json says what. */
export class VerificationError extends Error {
  override readonly name = 'VerificationError';
}

/** Thrown when the counts do not add up: something was lost or counted twice. */
export class CountMismatchError extends Error {
  override readonly name = 'CountMismatchError';
}

/**
 * Writes `report.json` under the report's `out_dir`, then checks that every record that came in
 * ended accepted, rejected, duplicate or dead-lettered, exactly once.
 *
 * @example const report = writeReport(buildReportFromTheRun());
 */
export function writeReport(report: RunReport): RunReport {
  writeFileSync(join(report.out_dir, 'report.json'), `${JSON.stringify(report, null, 2)}\n`);
  const total = report.accepted + report.rejected + report.duplicates + report.dead_lettered;
  if (total !== report.in) {
    throw new CountMismatchError(
      `counts do not add up: accepted ${report.accepted} + rejected ${report.rejected} + duplicates ${report.duplicates} + dead-lettered ${report.dead_lettered} = ${total}, but ${report.in} came in`,
    );
  }
  return report;
}
