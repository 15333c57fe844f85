import { setTimeout as sleepMs } from 'node:timers/promises';
import { type ProducerEntry, putRecords } from '#src/adapters/aws/kinesis-producer.js';
import { MAX_RECORD_BYTES } from '#src/ingest/decode-record.js';
import type { ProducedRecord } from '#src/simulate/produced-record.js';
import type { Reject } from '#src/telemetry/event.js';
import { rejectPayload } from '#src/telemetry/reject-payload.js';
import type { KinesisEndpointStream } from '../stream/kinesis-endpoint-stream.js';
import { LocalKinesis, MAX_CALL_BYTES, MAX_CALL_RECORDS } from '../stream/local-kinesis.js';
import type { LocalStream } from '../stream/local-stream.js';
import type { RunAccounting } from './run-accounting.js';
import type { NamedMapping } from './run-mappings.js';
import type { RunOutputs } from './run-outputs.js';
import { recordOf, type SourceEntry, type SourceItem } from './source-entry.js';

/** Progress of a run. */
export interface RunProgress {
  produced: number;
  processed: number;
  lag: number;
  alerts: number;
  elapsedSeconds: number;
}

/**
 * The run's clock: the records' own arrival times. Record age and batch windows are measured on it,
 * so a replay of old data is not "too old"; a paced run's records arrive on the wall clock.
 */
export class ArrivalClock {
  firstMs: number | undefined;
  lastMs = 0;

  /** Advances with a record's arrival time (a record without one arrives with the newest seen). */
  observe(arrivalMs: number | undefined): number {
    const arrival = arrivalMs ?? this.lastMs;
    this.firstMs ??= arrival;
    this.lastMs = Math.max(this.lastMs, arrival);
    return arrival;
  }

  /** Time passes (a producer backing off in simulated time). */
  advance(ms: number): void {
    this.lastMs += ms;
  }
}

/** How the source is paced: as fast as possible, or against the wall clock. */
export type Pacing =
  | { kind: 'unpaced'; chunkSize: number }
  /** Arrival time runs `factor` times faster than the wall clock (a simulator's event time). */
  | { kind: 'paced'; factor: number }
  /**
   * A fixed rate on the wall clock: the n-th record is due n / eventsPerSecond seconds after the
   * first, and arrives when it is put (Date.now()), whatever arrival time the source gave it.
   */
  | { kind: 'rate'; eventsPerSecond: number };

/** Options of pumpSource. */
export interface SourceLoopOptions {
  source: Iterable<SourceEntry> | AsyncIterable<SourceEntry>;
  stream: LocalStream;
  /** A real Kinesis stream the records go through instead; `stream` then buffers what it returns. */
  remote: KinesisEndpointStream | undefined;
  mappings: NamedMapping[];
  outputs: RunOutputs;
  accounting: RunAccounting;
  clock: ArrivalClock;
  pacing: Pacing;
  startedAt: number;
  onProgress: ((progress: RunProgress) => void) | undefined;
}

/** What the source loop put on the stream and what the source itself rejected. */
export interface SourceLoopResult {
  produced: number;
  sourceRejects: number;
  /** What the in-process stream's PutRecords stand-in took and throttled (absent with a real stream). */
  kinesis?: LocalKinesis['stats'];
}

/**
 * How long a producer buffers records before a PutRecords call, as the Kinesis Producer Library's
 * RecordMaxBufferedTime does by default (100 ms): records of one call share one arrival time.
 */
const PRODUCER_BUFFER_MS = 100;
/** How often a paced run lets the mappings poll (Lambda polls continuously while a shard has records). */
const POLL_MS = 10;

/**
 * The data of the records of the PutRecords call being gathered, back to back in one buffer used
 * again for every call: the stand-in copies each record into its shard when the call is made. A
 * buffer per record (`Buffer.from` of a text) lived outside V8's heap, where each 64 MB allocated
 * made the main thread's V8 mark its whole heap; and a simulator's reading holds only until the next.
 */
class CallData {
  private readonly buffer = Buffer.allocUnsafeSlow(MAX_CALL_BYTES);
  private at = 0;

  /** Copies a record's data (text as UTF-8) after the call's others; `byteLength` bytes must fit in a call. */
  copy(data: string | Uint8Array): Uint8Array {
    const start = this.at;
    if (typeof data === 'string') this.at += this.buffer.write(data, start, 'utf8');
    else {
      this.buffer.set(data, start);
      this.at += data.byteLength;
    }
    return this.buffer.subarray(start, this.at);
  }

  /** The call was made: its data may be written over. */
  reset(): void {
    this.at = 0;
  }
}

/** A record's data as bytes of its own (text as UTF-8), to keep past the next record. */
function ownBytes(data: string | Uint8Array): Uint8Array {
  return typeof data === 'string' ? Buffer.from(data, 'utf8') : new Uint8Array(data);
}

/**
 * Puts the source's records on the stream with PutRecords through the producer adapter (calls of at
 * most 500 records and 5 MiB, buffered up to 100 ms of arrival time, throttled entries retried), and
 * lets each mapping poll every shard as the records arrive: unpaced, after every `chunkSize` records;
 * paced against the wall clock (a speedup of the records' own times, or a fixed rate), every few
 * milliseconds, so a record's batch goes out as soon as it is full or its batching window has
 * passed, as Lambda's poller does while a producer writes. At
 * the end everything is delivered. Lines the source could not read are rejects straight away.
 *
 * @example const { produced } = await pumpSource({ source, stream, remote: undefined, mappings, outputs, accounting, clock, pacing, ... });
 */
export async function pumpSource(options: SourceLoopOptions): Promise<SourceLoopResult> {
  const { stream, remote, mappings, outputs, accounting, clock, pacing } = options;
  const paced = pacing.kind === 'paced';
  const rated = pacing.kind === 'rate';
  let rateStartedAt: number | undefined;
  const kinesis = remote ? undefined : new LocalKinesis(stream, () => clock.lastMs);
  let produced = 0;
  let sourceRejects = 0;
  let pending: ProducerEntry[] = [];
  const pendingData = new CallData();
  let pendingBytes = 0;
  let pendingSince = 0;
  let lastPoll = performance.now();

  const flush = async () => {
    if (remote) return remote.flush();
    if (pending.length === 0) return;
    const entries = pending;
    pending = [];
    pendingBytes = 0;
    try {
      await putRecords(
        {
          client: kinesis!,
          streamName: stream.name,
          // A throttled entry is retried after a backoff: in simulated time, time passes; paced, the wall clock waits.
          // At a fixed rate the clock is the wall clock, which moved on while the producer waited.
          sleep: rated
            ? (ms) => sleepMs(ms).then(() => void clock.observe(Date.now()))
            : paced
              ? (ms) => sleepMs(ms).then(() => undefined)
              : async (ms) => clock.advance(ms),
          maxAttempts: 100,
        },
        entries,
      );
    } finally {
      pendingData.reset();
    }
  };

  const poll = async (final: boolean) => {
    // At a fixed rate the producer keeps its own buffer time (records arrive on the wall clock);
    // otherwise a poll sends what is buffered, as time between polls is simulated.
    if (!rated || remote || final || Date.now() - pendingSince >= PRODUCER_BUFFER_MS) await flush();
    if (remote) {
      if (final) await remote.drainAll();
      else await remote.fetch();
    }
    for (let shard = 0; shard < stream.shards.length; shard++) {
      for (const { mapping } of mappings) await mapping.drain(shard, final);
      stream.trim(shard, Math.min(...mappings.map(({ mapping }) => mapping.checkpoints[shard]!)));
    }
    lastPoll = performance.now();
    options.onProgress?.({
      produced,
      processed: accounting.counts.accepted + accounting.counts.rejected + accounting.counts.duplicates,
      lag: stream.shards.reduce((sum, _shard, i) => sum + stream.end(i) - mappings[0]!.mapping.checkpoints[i]!, 0),
      alerts: accounting.counts.alerts,
      elapsedSeconds: (performance.now() - options.startedAt) / 1000,
    });
  };

  const reject = async (item: Reject) => {
    sourceRejects++;
    accounting.sourceReject(item.reason);
    await outputs.rejects.write([item]);
  };

  let sinceDrain = 0;
  // The source's iterator while it is being read: closed as `for await` would if the loop fails.
  let items: Iterator<SourceEntry> | AsyncIterator<SourceEntry> | undefined;
  try {
    // A synchronous source (the simulators) is read without an await per item: `for await` would
    // wrap every item in a promise and a microtask.
    const source = options.source;
    items = Symbol.asyncIterator in source ? source[Symbol.asyncIterator]() : source[Symbol.iterator]();
    for (;;) {
      const step = items.next();
      const next = step instanceof Promise ? await step : step;
      if (next.done) {
        items = undefined;
        break;
      }
      const record = recordOf(next.value);
      if (record === undefined) {
        await reject((next.value as Extract<SourceItem, { kind: 'reject' }>).reject);
        continue;
      }
      const arrivalMs = rated ? Date.now() : record.arrivalMs;
      if (paced) await waitUntilDue(record.arrivalMs, clock, pacing.factor, options.startedAt, poll, () => lastPoll);
      // Kinesis refuses the whole PutRecords call for one record over 1 MiB with its key: judge it here.
      const dataBytes =
        typeof record.data === 'string' ? Buffer.byteLength(record.data, 'utf8') : record.data.byteLength;
      const bytes = dataBytes + Buffer.byteLength(record.partitionKey);
      if (bytes > MAX_RECORD_BYTES) {
        clock.observe(arrivalMs);
        await reject(oversizedReject(stream.name, record, bytes, sourceRejects + 1));
        continue;
      }
      if (remote) {
        clock.observe(arrivalMs);
        remote.enqueue(record.partitionKey, ownBytes(record.data), record.explicitHashKey);
      } else {
        // The buffered call goes out (arriving at its newest record's time) before time moves on.
        const arrival = Math.max(arrivalMs ?? clock.lastMs, clock.lastMs);
        if (
          pending.length === MAX_CALL_RECORDS ||
          pendingBytes + bytes > MAX_CALL_BYTES ||
          (pending.length > 0 && arrival - pendingSince >= PRODUCER_BUFFER_MS)
        )
          await flush();
        clock.observe(arrivalMs);
        if (pending.length === 0) pendingSince = arrival;
        const data = pendingData.copy(record.data);
        pending.push(
          record.explicitHashKey === undefined
            ? { partitionKey: record.partitionKey, data }
            : { partitionKey: record.partitionKey, data, explicitHashKey: record.explicitHashKey },
        );
        pendingBytes += bytes;
      }
      produced++;
      if (pacing.kind === 'rate') {
        // Wait for the next record's turn before the source makes it, so its event time is its production time.
        rateStartedAt ??= performance.now();
        await waitUntil(dueAtRate(rateStartedAt, produced, pacing.eventsPerSecond), poll, () => lastPoll);
        if (performance.now() - lastPoll >= POLL_MS) await poll(false);
      } else if (paced) {
        if (performance.now() - lastPoll >= POLL_MS) await poll(false);
      } else if (++sinceDrain >= pacing.chunkSize) {
        sinceDrain = 0;
        await poll(false);
      }
    }
    await poll(true);
  } finally {
    await items?.return?.();
    remote?.close();
  }
  return { produced, sourceRejects, ...(kinesis ? { kinesis: kinesis.stats } : {}) };
}

/**
 * When the record after `produced` is due at a fixed rate (ms on the clock of `startedAt`): the n-th
 * record (from 0) goes n / eventsPerSecond seconds after the first, so a late start catches up.
 *
 * @example dueAtRate(1000, 10, 10_000) // 1001: 10,000 events/s put one every 0.1 ms
 */
export function dueAtRate(startedAt: number, produced: number, eventsPerSecond: number): number {
  return startedAt + (produced * 1000) / eventsPerSecond;
}

/**
 * Waits until a record is due on the wall clock (its arrival time, `factor` times faster than the
 * wall clock, from the run's start), letting the mappings poll meanwhile.
 */
async function waitUntilDue(
  arrivalMs: number | undefined,
  clock: ArrivalClock,
  factor: number,
  startedAt: number,
  poll: (final: boolean) => Promise<void>,
  lastPoll: () => number,
): Promise<void> {
  if (arrivalMs === undefined || clock.firstMs === undefined) return;
  await waitUntil(startedAt + (arrivalMs - clock.firstMs) / factor, poll, lastPoll);
}

/** Waits until `due` (performance.now() ms), letting the mappings poll every few milliseconds meanwhile. */
async function waitUntil(due: number, poll: (final: boolean) => Promise<void>, lastPoll: () => number): Promise<void> {
  for (;;) {
    const wait = due - performance.now();
    if (wait <= 0) return;
    if (performance.now() - lastPoll() >= POLL_MS) await poll(false);
    else await sleepMs(Math.min(wait, POLL_MS));
  }
}

/** A record a real stream would refuse (over 1 MiB with its partition key), as a reject before PutRecords. */
function oversizedReject(stream: string, record: ProducedRecord, bytes: number, nth: number): Reject {
  return {
    reject_id: `${stream}/${record.partitionKey}/unsent-${nth}`,
    reason: 'size:max_bytes',
    message: `${bytes} bytes with the partition key > ${MAX_RECORD_BYTES}: PutRecords would refuse it`,
    source: { stream, shard_id: '', partition_key: record.partitionKey, sequence_number: '' },
    event_id: null,
    type: null,
    ...rejectPayload(record.data),
  };
}
