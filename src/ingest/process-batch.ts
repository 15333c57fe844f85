import type { DimensionIndex } from '../enrich/dimensions.js';
import { enrichEvent } from '../enrich/enrich-event.js';
import { evaluateRules } from '../rules/evaluate-rules.js';
import type { RuleConfig } from '../rules/rule-config.js';
import type { TrajectoryTracker } from '../rules/trajectory-tracker.js';
import type { EventValidator } from '../schema/validate-event.js';
import { serializeEvent } from '../sinks/serialize-event.js';
import { type IngestSinks, type Sink, SinkWriteError } from '../sinks/sink.js';
import type { Alert, Duplicate, Reject, TelemetryEvent } from '../telemetry/event.js';
import { plainConstructor } from '../telemetry/plain-object.js';
import { type DecodedRecord, decodeRecord, type RecordPosition, type StreamRecordData } from './decode-record.js';
import { compareSequenceNumbers, type DeliveryLedger } from './delivery-ledger.js';
import { decodeUnits, isKplRecord, rejectAt } from './record-units.js';

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

/**
 * Per-record counts of one batch (records skipped as already delivered are not counted again). A
 * KPL aggregate counts as its user records, each accepted, rejected or a duplicate on its own.
 */
export interface BatchCounts {
  records: number;
  /** KPL aggregates read, and the user records they held (so records in = Kinesis records + userRecords - aggregates). */
  kplAggregates: number;
  kplUserRecords: number;
  accepted: number;
  rejected: number;
  duplicates: number;
  redelivered: number;
  alerts: number;
  byType: Record<string, number>;
  byRule: Record<string, number>;
  byReason: Record<string, number>;
}

/** Counts of no records (a plain object made without a literal: see plainConstructor). */
export function emptyBatchCounts(): BatchCounts {
  return new BatchCountsObject();
}

const BatchCountsObject = plainConstructor(function (this: BatchCounts) {
  this.records = 0;
  this.kplAggregates = 0;
  this.kplUserRecords = 0;
  this.accepted = 0;
  this.rejected = 0;
  this.duplicates = 0;
  this.redelivered = 0;
  this.alerts = 0;
  this.byType = Object.create(Object.prototype);
  this.byRule = Object.create(Object.prototype);
  this.byReason = Object.create(Object.prototype);
});

/** Adds `from` to `into`, per-key counters included; returns `into`. */
export function addBatchCounts(into: BatchCounts, from: BatchCounts): BatchCounts {
  into.records += from.records;
  into.kplAggregates += from.kplAggregates;
  into.kplUserRecords += from.kplUserRecords;
  into.accepted += from.accepted;
  into.rejected += from.rejected;
  into.duplicates += from.duplicates;
  into.redelivered += from.redelivered;
  into.alerts += from.alerts;
  for (const key of ['byType', 'byRule', 'byReason'] as const)
    for (const [name, count] of Object.entries(from[key])) into[key][name] = (into[key][name] ?? 0) + count;
  return into;
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
class Channel<T> {
  readonly bit: number;
  constructor(
    readonly sink: Sink<T>,
    index: number,
    readonly outbox: Outbox<T> = new Outbox<T>(),
  ) {
    this.bit = 1 << index;
  }
}

/**
 * A new empty array that is no allocation site. A batch's bookkeeping lives while the batch runs;
 * a young collection during one found all the objects of a literal (`[]`, `{…}`) or `new Array()`
 * alive, and V8 then pretenured that site: each later batch's containers were allocated old, and,
 * dead, kept that batch's events and strings alive until the next full collection. In about one
 * process in eight the ingest micro-benchmark ran at 0.41-0.45 of its floor instead of 0.50-0.53,
 * with 58 young collections instead of 46. slice() makes its array in a builtin, which V8 does not
 * track (nor class instances, which the batch's objects are), and keeps the elements kind of
 * ANY_ELEMENTS: an array that starts as small integers and then takes a string changes kind, and
 * its pushes cost the micro-benchmark 4 % (Array.of(): 0.493 against 0.515, 8 alternating runs).
 */
function list<T>(): T[] {
  return ANY_ELEMENTS.slice(0, 0) as T[];
}
const ANY_ELEMENTS: unknown[] = [null];

/**
 * The batch's channels: accepted events (lake, search), alerts (each destination on its own), rejects, duplicates.
 * With `shared`, the channels of one kind share one outbox: right when every unit goes to every sink
 * of that kind (no sink took any unit of the batch in an earlier attempt), and it halves the pushes
 * per accepted event. `eventOutboxes` and `alertOutboxes` are the distinct outboxes of each kind.
 */
function channelsOf(sinks: IngestSinks, shared: boolean) {
  let index = 0;
  const eventOutbox = new Outbox<TelemetryEvent>();
  const alertOutbox = new Outbox<Alert>();
  const events = Array.of(sinks.lake, sinks.search).map(
    (sink) => new Channel(sink, index++, shared ? eventOutbox : undefined),
  );
  const alerts = sinks.alerts.map((sink) => new Channel(sink, index++, shared ? alertOutbox : undefined));
  return new BatchChannels(
    events,
    alerts,
    shared ? Array.of(eventOutbox) : events.map((c) => c.outbox),
    shared ? (alerts.length > 0 ? Array.of(alertOutbox) : list()) : alerts.map((c) => c.outbox),
    new Channel(sinks.rejects, index++),
    new Channel(sinks.duplicates, index++),
  );
}

/** What channelsOf returns (a class for the reason list() gives). */
class BatchChannels {
  constructor(
    readonly events: Channel<TelemetryEvent>[],
    readonly alerts: Channel<Alert>[],
    /** The distinct outboxes of the event channels, and of the alert channels. */
    readonly eventOutboxes: Outbox<TelemetryEvent>[],
    readonly alertOutboxes: Outbox<Alert>[],
    readonly rejects: Channel<Reject>,
    readonly duplicates: Channel<Duplicate>,
  ) {}
}

/** Items for one sink and, for each, the unit (record, or user record of an aggregate) it came from. */
class Outbox<T> {
  readonly items: T[] = list();
  readonly unit: number[] = list();
  push(item: T, unit: number): void {
    this.items.push(item);
    this.unit.push(unit);
  }
}

function increment(counter: Record<string, number>, key: string): void {
  counter[key] = (counter[key] ?? 0) + 1;
}

/** How a record of the batch ended; `redelivered`: skipped, its effects landed in an earlier attempt. */
type Outcome = 'accepted' | 'rejected' | 'duplicate' | 'redelivered';

/**
 * The batch's units, in order: a plain record is one unit, a KPL aggregate one per user record.
 * Each unit's outcome is kept until the batch is delivered: counts cover only the units of records
 * whose effects all landed; an undelivered tail is counted when Lambda redelivers it.
 */
class Units {
  readonly record: number[] = list();
  /** The unit's position for the ledger's per-sink bits: the sequence number, `:<sub>` for a user record. */
  readonly position: string[] = list();
  readonly outcome: Outcome[] = list();
  readonly label: string[] = list();
  readonly acceptedId: (string | undefined)[] = list();
  /** Per alert, its unit and its rule. */
  readonly ruleUnit: number[] = list();
  readonly ruleName: string[] = list();
  /** Per record, the number of units up to and including it. */
  readonly end: number[] = list();
  /** Per record, the user records it held when it was a KPL aggregate that could be read (else 0). */
  readonly userRecords: number[] = list();

  add(record: number, position: string, outcome: Outcome, label: string, acceptedId?: string): number {
    this.record.push(record);
    this.position.push(position);
    this.outcome.push(outcome);
    this.label.push(label);
    this.acceptedId.push(acceptedId);
    return this.record.length - 1;
  }

  /** How many units the first `records` records hold. */
  upTo(records: number): number {
    return records === 0 ? 0 : this.end[records - 1]!;
  }

  /** The accepted events (id and type) among the first `delivered` units. */
  acceptedEvents(delivered: number): { id: string; type: string }[] {
    const events = list<AcceptedEvent>();
    for (let u = 0; u < delivered; u++)
      if (this.acceptedId[u] !== undefined) events.push(new AcceptedEvent(this.acceptedId[u]!, this.label[u]!));
    return events;
  }

  /** The alert ids (`<event_id>:<rule>`) of the first `delivered` units. */
  alertIds(delivered: number): string[] {
    const ids = list<string>();
    for (let a = 0; a < this.ruleUnit.length; a++)
      if (this.ruleUnit[a]! < delivered) ids.push(`${this.acceptedId[this.ruleUnit[a]!]}:${this.ruleName[a]}`);
    return ids;
  }

  count(deliveredRecords: number): BatchCounts {
    const delivered = this.upTo(deliveredRecords);
    const counts = emptyBatchCounts();
    counts.records = delivered;
    for (let r = 0; r < deliveredRecords; r++) {
      const users = this.userRecords[r] ?? 0;
      if (users > 0) {
        counts.kplAggregates++;
        counts.kplUserRecords += users;
      }
    }
    for (let u = 0; u < delivered; u++) {
      const label = this.label[u]!;
      switch (this.outcome[u]) {
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
    for (let a = 0; a < this.ruleUnit.length; a++) {
      if (this.ruleUnit[a]! >= delivered) continue;
      counts.alerts++;
      increment(counts.byRule, this.ruleName[a]!);
    }
    return counts;
  }
}

/**
 * Plans one shard batch: decode (a KPL aggregate into its user records) → parse → validate →
 * normalise → enrich → rules → serialise, sorting every unit into exactly one of accepted,
 * rejected, duplicate (or skipped as already delivered).
 */
function planBatch(records: readonly StreamRecordData[], origin: BatchOrigin, ctx: IngestContext, out: BatchChannels) {
  const plan = new BatchPlan(records, origin, ctx, out);
  const delivered =
    records.length === 0 ? undefined : ctx.ledger.deliveredPerKey(plan.shardKey, records[0]!.sequenceNumber);
  const units = plan.units;
  for (let i = 0; i < records.length; i++) {
    const record = records[i]!;
    const upTo = delivered?.get(record.partitionKey);
    if (upTo !== undefined && compareSequenceNumbers(record.sequenceNumber, upTo) <= 0) {
      units.add(i, record.sequenceNumber, 'redelivered', '');
    } else if (!isKplRecord(record.data)) {
      plan.take(i, undefined, record.sequenceNumber, decodeRecord(record, origin.stream, origin.shardId, ctx.validate));
    } else {
      const decoded = decodeUnits(record, origin.stream, origin.shardId, ctx.validate);
      units.userRecords[i] = decoded.userRecords;
      for (const unit of decoded.units) plan.take(i, unit.position, unit.unitPosition, unit.decoded);
    }
    units.end[i] = units.record.length;
  }
  return { units, shardKey: plan.shardKey };
}

/**
 * One shard batch being planned: its units so far, and what sorting a unit needs of the batch. A
 * class rather than a closure made per batch: V8 optimised each batch's closure anew (the ingest
 * workers compiled it with TurboFan 14 times in a 1M-event run, `node --trace-opt`), where a
 * method is compiled once.
 */
class BatchPlan {
  readonly units = new Units();
  readonly shardKey: string;
  private readonly alerts: Alert[] = list();

  constructor(
    private readonly records: readonly StreamRecordData[],
    private readonly origin: BatchOrigin,
    private readonly ctx: IngestContext,
    private readonly out: BatchChannels,
  ) {
    this.shardKey = `${origin.stream}/${origin.shardId}`;
  }

  /**
   * Sorts one decoded unit and fills the outboxes of the sinks that have not taken it yet.
   * `position` is the user record's for a KPL unit; a plain record's is built only when needed.
   */
  take(i: number, position: RecordPosition | undefined, unitPosition: string, decoded: DecodedRecord): void {
    const { ctx, out, origin, records, units, alerts } = this;
    const done = ctx.ledger.sinksDone(this.shardKey, unitPosition);
    if (!decoded.ok) {
      const unit = units.add(i, unitPosition, 'rejected', decoded.reject.reason);
      if (!(done & out.rejects.bit)) out.rejects.outbox.push(decoded.reject, unit);
      return;
    }
    const event = decoded.event;
    if (!ctx.ledger.claim(event.event_id)) {
      const unit = units.add(i, unitPosition, 'duplicate', event.type);
      const duplicate: Duplicate = {
        event_id: event.event_id,
        type: event.type,
        source: {
          stream: origin.stream,
          shard_id: origin.shardId,
          partition_key: position?.partitionKey ?? records[i]!.partitionKey,
          sequence_number: unitPosition,
        },
      };
      if (!(done & out.duplicates.bit)) out.duplicates.outbox.push(duplicate, unit);
      return;
    }
    enrichEvent(event, ctx.dimensions);
    // Serialised here, once, enriched (the lake and search reuse the line): a record that cannot
    // be written is a reject of its own, never a failed batch.
    const unserialisable = serialisationError(event);
    if (unserialisable) {
      ctx.ledger.release([event.event_id]);
      const at = position ?? {
        stream: origin.stream,
        shardId: origin.shardId,
        partitionKey: records[i]!.partitionKey,
        sequenceNumber: records[i]!.sequenceNumber,
      };
      const reject = rejectAt(at, 'serialize:failed', unserialisable, Buffer.from(decoded.text));
      const unit = units.add(i, unitPosition, 'rejected', reject.reason);
      if (!(done & out.rejects.bit)) out.rejects.outbox.push(reject, unit);
      return;
    }
    if (alerts.length > 0) alerts.length = 0;
    evaluateRules(event, ctx.rules, alerts);
    if (event.type === 'trajectory_point') ctx.trajectories.observe(event, i, alerts);
    const unit = units.add(i, unitPosition, 'accepted', event.type, event.event_id);
    if (done === 0) for (const outbox of out.eventOutboxes) outbox.push(event, unit);
    else for (const { bit, outbox } of out.events) if (!(done & bit)) outbox.push(event, unit);
    for (const alert of alerts) {
      units.ruleUnit.push(unit);
      units.ruleName.push(alert.rule);
      if (done === 0) for (const outbox of out.alertOutboxes) outbox.push(alert, unit);
      else for (const { bit, outbox } of out.alerts) if (!(done & bit)) outbox.push(alert, unit);
    }
  }
}

/** Why an accepted event cannot be serialised (undefined when it can): its line is then cached for the sinks. */
function serialisationError(event: TelemetryEvent): string | undefined {
  try {
    serializeEvent(event);
    return undefined;
  } catch (error) {
    return `the event cannot be written: ${error instanceof Error ? error.message : String(error)}`;
  }
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
  const out = channelsOf(sinks, !ctx.ledger.hasPartlyDelivered());
  const { units, shardKey } = planBatch(records, origin, ctx, out);
  const channels = Array.of<Channel<unknown>>(
    ...(out.events as Channel<unknown>[]),
    ...(out.alerts as Channel<unknown>[]),
    out.rejects as Channel<unknown>,
    out.duplicates as Channel<unknown>,
  );
  const errors = list<SinkWriteError>();
  const failedItem = await Promise.all(channels.map(({ sink, outbox }) => deliver(sink, outbox, errors)));
  let firstFailedIndex = -1;
  channels.forEach(({ outbox }, c) => {
    const failedAt = failedItem[c]!;
    if (failedAt < 0) return;
    const recordIndex = units.record[outbox.unit[failedAt]!]!;
    if (firstFailedIndex < 0 || recordIndex < firstFailedIndex) firstFailedIndex = recordIndex;
  });
  if (firstFailedIndex >= 0) {
    // Remember which sinks took the units that will come back, so the retry skips them there. A
    // unit whose items a sink took only in part (the first of its two alerts, say) is not done
    // there: the retry sends all its items again, and the sink's key absorbs the repeat.
    channels.forEach(({ bit, outbox }, c) => {
      const failedAt = failedItem[c]!;
      const stored = failedAt < 0 ? outbox.items.length : failedAt;
      const partial = failedAt < 0 ? -1 : outbox.unit[failedAt]!;
      for (let k = 0; k < stored; k++) {
        const unit = outbox.unit[k]!;
        if (units.record[unit]! >= firstFailedIndex && unit !== partial)
          ctx.ledger.markSinkDone(shardKey, units.position[unit]!, bit);
      }
    });
  }
  const deliveredCount = firstFailedIndex < 0 ? records.length : firstFailedIndex;
  const deliveredUnits = units.upTo(deliveredCount);
  if (deliveredUnits < units.record.length) {
    const undelivered: string[] = [];
    for (let u = deliveredUnits; u < units.record.length; u++)
      if (units.acceptedId[u] !== undefined) undelivered.push(units.acceptedId[u]!);
    ctx.ledger.release(undelivered);
  }
  ctx.ledger.commit(
    shardKey,
    (i) => records[i]!.partitionKey,
    (i) => records[i]!.sequenceNumber,
    deliveredCount,
  );
  ctx.trajectories.commit(firstFailedIndex);
  return new ProcessedBatch(
    firstFailedIndex,
    firstFailedIndex >= 0 ? records[firstFailedIndex]!.sequenceNumber : null,
    units.count(deliveredCount),
    errors,
    units,
    deliveredUnits,
  );
}

/** A BatchResult (a class for the reason list() gives: a mapping may keep one until the next batch). */
class ProcessedBatch implements BatchResult {
  constructor(
    readonly firstFailedIndex: number,
    readonly failedSequenceNumber: string | null,
    readonly counts: BatchCounts,
    readonly errors: SinkWriteError[],
    private readonly units: Units,
    private readonly deliveredUnits: number,
  ) {}

  effects(): BatchEffects {
    return new Effects(this.units.acceptedEvents(this.deliveredUnits), this.units.alertIds(this.deliveredUnits));
  }
}

/** BatchEffects, as a class (see ProcessedBatch). */
class Effects implements BatchEffects {
  constructor(
    readonly events: { id: string; type: string }[],
    readonly alertIds: string[],
  ) {}
}

/** An accepted event's id and type (BatchEffects.events). */
class AcceptedEvent {
  constructor(
    readonly id: string,
    readonly type: string,
  ) {}
}
