import type { DimensionIndex } from '../enrich/dimensions.js';
import { enrichEvent } from '../enrich/enrich-event.js';
import { evaluateRules } from '../rules/evaluate-rules.js';
import type { RuleConfig } from '../rules/rule-config.js';
import type { TrajectoryTracker } from '../rules/trajectory-tracker.js';
import type { EventValidator } from '../schema/validate-event.js';
import { type IngestSinks, type Sink, SinkWriteError } from '../sinks/sink.js';
import type { Alert, Duplicate, Reject, TelemetryEvent } from '../telemetry/event.js';
import { decodeRecord, type StreamRecordData } from './decode-record.js';
import type { DeliveryLedger } from './delivery-ledger.js';

/** What ingest needs besides the records: built once per container. */
export interface IngestContext {
  validate: EventValidator;
  dimensions: DimensionIndex;
  rules: RuleConfig;
  trajectories: TrajectoryTracker;
  ledger: DeliveryLedger;
}

/** Which shard a batch came from. */
export interface BatchOrigin {
  stream: string;
  shardId: string;
}

/** Per-record counts of one batch (records skipped as already delivered are not counted again). */
export interface BatchCounts {
  records: number;
  accepted: number;
  rejected: number;
  duplicates: number;
  redelivered: number;
  alerts: number;
  byType: Record<string, number>;
  byRule: Record<string, number>;
  byReason: Record<string, number>;
}

/** The result of one batch: the index of the first record to retry (-1 when all delivered) and the counts. */
export interface BatchResult {
  firstFailedIndex: number;
  failedSequenceNumber: string | null;
  counts: BatchCounts;
  errors: SinkWriteError[];
}

const SINK_NAMES = ['lake', 'search', 'alerts', 'rejects', 'duplicates'] as const;
type SinkName = (typeof SINK_NAMES)[number];
/**
 * One bit per sink: after a partial failure the ledger keeps, per record that will come back, the
 * set of sinks that already took it as one small integer (a Map of numbers), not a Set per record.
 */
const SINK_BIT: Record<SinkName, number> = { lake: 1, search: 2, alerts: 4, rejects: 8, duplicates: 16 };

/** Items for one sink and, for each, the index of the record it came from. */
class Outbox<T> {
  readonly items: T[] = [];
  readonly recordIndex: number[] = [];
  push(item: T, index: number): void {
    this.items.push(item);
    this.recordIndex.push(index);
  }
}

function increment(counter: Record<string, number>, key: string): void {
  counter[key] = (counter[key] ?? 0) + 1;
}

/** How a record of the batch ended; `redelivered`: skipped, its effects landed in an earlier attempt. */
type Outcome = 'accepted' | 'rejected' | 'duplicate' | 'redelivered';

/**
 * Each record's outcome, kept until the batch is delivered: counts cover only the records whose
 * effects all landed; an undelivered tail is counted when Lambda redelivers it.
 */
class Tally {
  private readonly outcome: Outcome[];
  private readonly label: string[];
  private readonly rules: { index: number; rule: string }[] = [];

  constructor(size: number) {
    this.outcome = new Array(size);
    this.label = new Array(size);
  }

  mark(index: number, outcome: Outcome, label: string): void {
    this.outcome[index] = outcome;
    this.label[index] = label;
  }

  rule(index: number, rule: string): void {
    this.rules.push({ index, rule });
  }

  count(delivered: number): BatchCounts {
    const counts: BatchCounts = {
      records: delivered,
      accepted: 0,
      rejected: 0,
      duplicates: 0,
      redelivered: 0,
      alerts: 0,
      byType: {},
      byRule: {},
      byReason: {},
    };
    for (let i = 0; i < delivered; i++) {
      const label = this.label[i]!;
      switch (this.outcome[i]) {
        case 'accepted':
          counts.accepted++;
          increment(counts.byType, label);
          break;
        case 'rejected':
          counts.rejected++;
          increment(counts.byReason, label);
          break;
        case 'duplicate':
          counts.duplicates++;
          break;
        case 'redelivered':
          counts.redelivered++;
          break;
      }
    }
    for (const { index, rule } of this.rules) {
      if (index >= delivered) continue;
      counts.alerts++;
      increment(counts.byRule, rule);
    }
    return counts;
  }
}

/**
 * Plans one shard batch: decode → parse → validate → normalise → enrich → rules, sorting every
 * record into exactly one of accepted, rejected, duplicate (or skipped as already delivered).
 */
function planBatch(records: readonly StreamRecordData[], origin: BatchOrigin, ctx: IngestContext) {
  const shardKey = `${origin.stream}/${origin.shardId}`;
  const out = {
    lake: new Outbox<TelemetryEvent>(),
    search: new Outbox<TelemetryEvent>(),
    alerts: new Outbox<Alert>(),
    rejects: new Outbox<Reject>(),
    duplicates: new Outbox<Duplicate>(),
  };
  const acceptedIds: (string | undefined)[] = new Array(records.length);
  const tally = new Tally(records.length);
  const alerts: Alert[] = [];
  for (let i = 0; i < records.length; i++) {
    const record = records[i]!;
    if (ctx.ledger.isDelivered(shardKey, record.partitionKey, record.sequenceNumber)) {
      tally.mark(i, 'redelivered', '');
      continue;
    }
    const done = ctx.ledger.sinksDone(shardKey, record.sequenceNumber);
    const decoded = decodeRecord(record, origin.stream, origin.shardId, ctx.validate);
    if (!decoded.ok) {
      tally.mark(i, 'rejected', decoded.reject.reason);
      if (!(done & SINK_BIT.rejects)) out.rejects.push(decoded.reject, i);
      continue;
    }
    const event = decoded.event;
    if (!ctx.ledger.claim(event.event_id)) {
      tally.mark(i, 'duplicate', event.type);
      const duplicate: Duplicate = {
        event_id: event.event_id,
        type: event.type,
        source: {
          stream: origin.stream,
          shard_id: origin.shardId,
          partition_key: record.partitionKey,
          sequence_number: record.sequenceNumber,
        },
      };
      if (!(done & SINK_BIT.duplicates)) out.duplicates.push(duplicate, i);
      continue;
    }
    enrichEvent(event, ctx.dimensions);
    alerts.length = 0;
    evaluateRules(event, ctx.rules, alerts);
    if (event.type === 'trajectory_point') ctx.trajectories.observe(event, i, alerts);
    tally.mark(i, 'accepted', event.type);
    acceptedIds[i] = event.event_id;
    if (!(done & SINK_BIT.lake)) out.lake.push(event, i);
    if (!(done & SINK_BIT.search)) out.search.push(event, i);
    for (const alert of alerts) {
      tally.rule(i, alert.rule);
      if (!(done & SINK_BIT.alerts)) out.alerts.push(alert, i);
    }
  }
  return { out, acceptedIds, tally, shardKey };
}

/** Writes one outbox; resolves to the index of the first record not stored (-1 when all stored). */
async function deliver<T>(sink: Sink<T>, outbox: Outbox<T>, errors: SinkWriteError[]): Promise<number> {
  if (outbox.items.length === 0) return -1;
  try {
    await sink.write(outbox.items);
    return -1;
  } catch (error) {
    const failedAt =
      error instanceof SinkWriteError ? Math.max(0, Math.min(error.firstFailedIndex, outbox.items.length - 1)) : 0;
    errors.push(
      error instanceof SinkWriteError
        ? error
        : new SinkWriteError(
            `${sink.name} failed: ${error instanceof Error ? error.message : String(error)}`,
            sink.name,
            0,
            {
              cause: error,
            },
          ),
    );
    return failedAt;
  }
}

/**
 * Processes one shard batch end to end and reports where to resume. Only transient sink failures
 * fail records, and only from the first record whose effects did not all land: Lambda's partial
 * batch response then redelivers from that record, and the ledger keeps the retry from writing
 * anything twice. Bad records are rejects, never batch failures.
 *
 * @example
 *   const result = await processBatch(event.Records.map((r) => r.kinesis), origin, ctx, sinks);
 *   return { batchItemFailures: result.failedSequenceNumber ? [{ itemIdentifier: result.failedSequenceNumber }] : [] };
 */
export async function processBatch(
  records: readonly StreamRecordData[],
  origin: BatchOrigin,
  ctx: IngestContext,
  sinks: IngestSinks,
): Promise<BatchResult> {
  const { out, acceptedIds, tally, shardKey } = planBatch(records, origin, ctx);
  const errors: SinkWriteError[] = [];
  const failedItem = await Promise.all([
    deliver(sinks.lake, out.lake, errors),
    deliver(sinks.search, out.search, errors),
    deliver(sinks.alerts, out.alerts, errors),
    deliver(sinks.rejects, out.rejects, errors),
    deliver(sinks.duplicates, out.duplicates, errors),
  ]);
  let firstFailedIndex = -1;
  SINK_NAMES.forEach((name, s) => {
    const failedAt = failedItem[s]!;
    if (failedAt < 0) return;
    const recordIndex = out[name].recordIndex[failedAt]!;
    if (firstFailedIndex < 0 || recordIndex < firstFailedIndex) firstFailedIndex = recordIndex;
  });
  if (firstFailedIndex >= 0) {
    // Remember which sinks took the records that will come back, so the retry skips them there.
    SINK_NAMES.forEach((name, s) => {
      const outbox = out[name];
      const stored = failedItem[s]! < 0 ? outbox.items.length : failedItem[s]!;
      for (let k = 0; k < stored; k++) {
        const index = outbox.recordIndex[k]!;
        if (index >= firstFailedIndex)
          ctx.ledger.markSinkDone(shardKey, records[index]!.sequenceNumber, SINK_BIT[name]);
      }
    });
  }
  const deliveredCount = firstFailedIndex < 0 ? records.length : firstFailedIndex;
  if (deliveredCount < records.length) {
    const undelivered: string[] = [];
    for (let i = deliveredCount; i < records.length; i++)
      if (acceptedIds[i] !== undefined) undelivered.push(acceptedIds[i]!);
    ctx.ledger.release(undelivered);
  }
  ctx.ledger.commit(
    shardKey,
    (i) => records[i]!.partitionKey,
    (i) => records[i]!.sequenceNumber,
    deliveredCount,
  );
  ctx.trajectories.commit(firstFailedIndex);
  return {
    firstFailedIndex,
    failedSequenceNumber: firstFailedIndex >= 0 ? records[firstFailedIndex]!.sequenceNumber : null,
    counts: tally.count(deliveredCount),
    errors,
  };
}
