import type { DimensionIndex } from '../enrich/dimensions.js';
import { enrichEvent } from '../enrich/enrich-event.js';
import { evaluateRules } from '../rules/evaluate-rules.js';
import type { RuleConfig } from '../rules/rule-config.js';
import type { TrajectoryTracker } from '../rules/trajectory-tracker.js';
import type { EventValidator } from '../schema/validate-event.js';
import { type IngestSinks, type Sink, SinkWriteError } from '../sinks/sink.js';
import type { Alert, Duplicate } from '../telemetry/event.js';
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

/** The ids of what a batch's delivered records accepted: the effects every sink must hold once. */
export interface BatchEffects {
  events: { id: string; type: string }[];
  alertIds: string[];
}

/** The result of one batch: the index of the first record to retry (-1 when all delivered) and the counts. */
export interface BatchResult {
  firstFailedIndex: number;
  failedSequenceNumber: string | null;
  counts: BatchCounts;
  errors: SinkWriteError[];
  /** The event and alert ids of the delivered records accepted in this batch (built on demand). */
  effects(): BatchEffects;
}

/**
 * One sink of the batch and what goes to it. Each has a bit: after a partial failure the ledger
 * keeps, per record that will come back, the set of sinks that already took it as one small
 * integer (a Map of numbers), not a Set per record; so a retry writes only to the others.
 */
interface Channel<T> {
  sink: Sink<T>;
  bit: number;
  outbox: Outbox<T>;
}

function channel<T>(sink: Sink<T>, index: number): Channel<T> {
  return { sink, bit: 1 << index, outbox: new Outbox<T>() };
}

/** The batch's channels: accepted events (lake, search), alerts (each destination on its own), rejects, duplicates. */
function channelsOf(sinks: IngestSinks) {
  let index = 0;
  return {
    events: [channel(sinks.lake, index++), channel(sinks.search, index++)],
    alerts: sinks.alerts.map((sink) => channel(sink, index++)),
    rejects: channel(sinks.rejects, index++),
    duplicates: channel(sinks.duplicates, index++),
  };
}

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

  /** The accepted events (id and type) among the first `delivered` records. */
  acceptedEvents(acceptedIds: readonly (string | undefined)[], delivered: number): { id: string; type: string }[] {
    const events: { id: string; type: string }[] = [];
    for (let i = 0; i < delivered; i++)
      if (acceptedIds[i] !== undefined) events.push({ id: acceptedIds[i]!, type: this.label[i]! });
    return events;
  }

  /** The alert ids (`<event_id>:<rule>`) of the first `delivered` records. */
  alertIds(acceptedIds: readonly (string | undefined)[], delivered: number): string[] {
    const ids: string[] = [];
    for (const { index, rule } of this.rules) if (index < delivered) ids.push(`${acceptedIds[index]}:${rule}`);
    return ids;
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
function planBatch(
  records: readonly StreamRecordData[],
  origin: BatchOrigin,
  ctx: IngestContext,
  out: ReturnType<typeof channelsOf>,
) {
  const shardKey = `${origin.stream}/${origin.shardId}`;
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
      if (!(done & out.rejects.bit)) out.rejects.outbox.push(decoded.reject, i);
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
      if (!(done & out.duplicates.bit)) out.duplicates.outbox.push(duplicate, i);
      continue;
    }
    enrichEvent(event, ctx.dimensions);
    alerts.length = 0;
    evaluateRules(event, ctx.rules, alerts);
    if (event.type === 'trajectory_point') ctx.trajectories.observe(event, i, alerts);
    tally.mark(i, 'accepted', event.type);
    acceptedIds[i] = event.event_id;
    for (const { bit, outbox } of out.events) if (!(done & bit)) outbox.push(event, i);
    for (const alert of alerts) {
      tally.rule(i, alert.rule);
      for (const { bit, outbox } of out.alerts) if (!(done & bit)) outbox.push(alert, i);
    }
  }
  return { acceptedIds, tally, shardKey };
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
  const out = channelsOf(sinks);
  const { acceptedIds, tally, shardKey } = planBatch(records, origin, ctx, out);
  const channels: Channel<unknown>[] = [
    ...out.events,
    ...out.alerts,
    out.rejects,
    out.duplicates,
  ] as Channel<unknown>[];
  const errors: SinkWriteError[] = [];
  const failedItem = await Promise.all(channels.map(({ sink, outbox }) => deliver(sink, outbox, errors)));
  let firstFailedIndex = -1;
  channels.forEach(({ outbox }, c) => {
    const failedAt = failedItem[c]!;
    if (failedAt < 0) return;
    const recordIndex = outbox.recordIndex[failedAt]!;
    if (firstFailedIndex < 0 || recordIndex < firstFailedIndex) firstFailedIndex = recordIndex;
  });
  if (firstFailedIndex >= 0) {
    // Remember which sinks took the records that will come back, so the retry skips them there. A
    // record whose items a sink took only in part (the first of its two alerts, say) is not done
    // there: the retry sends all its items again, and the sink's key absorbs the repeat.
    channels.forEach(({ bit, outbox }, c) => {
      const failedAt = failedItem[c]!;
      const stored = failedAt < 0 ? outbox.items.length : failedAt;
      const partial = failedAt < 0 ? -1 : outbox.recordIndex[failedAt]!;
      for (let k = 0; k < stored; k++) {
        const index = outbox.recordIndex[k]!;
        if (index >= firstFailedIndex && index !== partial)
          ctx.ledger.markSinkDone(shardKey, records[index]!.sequenceNumber, bit);
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
    effects: () => ({
      events: tally.acceptedEvents(acceptedIds, deliveredCount),
      alertIds: tally.alertIds(acceptedIds, deliveredCount),
    }),
  };
}
