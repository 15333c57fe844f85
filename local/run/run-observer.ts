import type { EventType } from '#src/schema/registry.js';
import type { WindowAggregateRow } from '#src/sinks/sink.js';
import type { Alert, Reject, TelemetryEvent } from '#src/telemetry/event.js';
import type { RunProgress } from './source-loop.js';

/**
 * Watches a run as its outputs are stored (the live dashboard is one). Each callback gets a batch
 * once its sink has stored it, on the run's own thread and on its hot path: keep the work O(1) per
 * item and defer anything heavier (serialising, sending) to a timer of your own.
 */
export interface RunObserver {
  /** Accepted events of one type, enriched, once the lake has them (`ts` in epoch ms). */
  onEvents?(type: EventType, events: readonly TelemetryEvent[]): void;
  /** Alerts, once `alerts.jsonl` has them (the count the report gives per rule). */
  onAlerts?(alerts: readonly Alert[]): void;
  /** Window aggregate rows from the aggregate function, once stored (partial rows included). */
  onWindows?(rows: readonly WindowAggregateRow[]): void;
  /** Rejects, from ingest and from the source itself, once `rejects.jsonl.gz` has them. */
  onRejects?(rejects: readonly Reject[]): void;
  /** The run's progress after each drain of the mappings (what the progress line prints). */
  onProgress?(progress: RunProgress): void;
}
