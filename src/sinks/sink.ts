import type { Alert, Duplicate, Reject, TelemetryEvent } from '../telemetry/event.js';

/**
 * A destination for one kind of output. `write` either stores every item or throws.
 * Implementations: Firehose / SNS / S3 on AWS (src/adapters/aws), files locally (src/adapters/file),
 * and the local Firehose stand-in (local/).
 *
 * @example
 *   await sinks.lake.write(events); // throws SinkWriteError when the destination is throttled or down
 */
export interface Sink<T> {
  readonly name: string;
  write(items: readonly T[]): Promise<void>;
}

/**
 * A transient failure of a sink: retrying later may succeed. Items before `firstFailedIndex`
 * were stored; that item and those after it may or may not have been.
 */
export class SinkWriteError extends Error {
  override readonly name = 'SinkWriteError';
  constructor(
    message: string,
    readonly sink: string,
    readonly firstFailedIndex: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Aggregate rows, as schemas/window_aggregate.schema.json describes them (window bounds in epoch ms). */
export interface WindowAggregateRow {
  window_id: string;
  window_start: number;
  window_end: number;
  dimension: 'color' | 'model';
  dimension_value: string;
  count: number;
  sum_speed: number;
  avg_speed: number;
  max_speed: number;
  max_rpm: number;
  speeding_alerts: number;
  high_rpm_alerts: number;
  wrong_gear_alerts: number;
  final: boolean;
}

/** The sinks ingest writes to. */
export interface IngestSinks {
  /** Accepted events, to the lake (Firehose → S3 Parquet on AWS), partitioned by type/dt/hour. */
  lake: Sink<TelemetryEvent>;
  /** Accepted events, to the search index (Firehose → OpenSearch on AWS). */
  search: Sink<TelemetryEvent>;
  /**
   * Every destination of alerts: the notification topic (SNS), the alerts table, the alerts index.
   * Each is tracked on its own, so when one fails the retry repeats none that succeeded.
   */
  alerts: readonly Sink<Alert>[];
  /** Records that broke a rule, with the reason. */
  rejects: Sink<Reject>;
  /** Records whose event_id was already accepted. */
  duplicates: Sink<Duplicate>;
}

/** A car_sensor record that arrived after its window closed (window end + allowed lateness passed the watermark). */
export interface LateRecord {
  event_id: string;
  car_id: number;
  /** Event time, epoch ms. */
  ts: number;
  window_start: number;
  /** The watermark (highest event time seen minus nothing: lateness is applied when closing) at arrival, epoch ms. */
  watermark: number;
}

/** The sinks aggregate writes to. */
export interface AggregateSinks {
  /** Window rows to the lake table `window_aggregates` (and search). */
  windows: Sink<WindowAggregateRow>;
  /** Late records: counted and listed; the events themselves still reach the lake through ingest. */
  late: Sink<LateRecord>;
}
