import { Buffer } from 'node:buffer';
import type { KinesisStreamEvent, KinesisStreamRecord, KinesisStreamTumblingWindowEvent } from 'aws-lambda';
import type { StreamRecordData } from '#src/ingest/decode-record.js';

/** The ARN fixtures use for the dev stream. */
export const FIXTURE_STREAM_ARN = 'arn:aws:kinesis:eu-west-1:123456789012:stream/fleetstream-dev-telemetry';

/** A real-format Kinesis sequence number (56 digits) for position `n` of a shard. */
export function sequenceNumber(n: number): string {
  return `49650000000000000000000000000000000000000000${String(n).padStart(12, '0')}`;
}

/** What a fixture record carries: a payload (serialised as JSON), the raw data text, or raw bytes (a KPL aggregate). */
export type RecordSpec = ({ payload: unknown } | { data: string } | { bytes: Uint8Array }) & {
  partitionKey?: string;
  sequence?: number;
  shardId?: string;
  arrivalSeconds?: number;
};

/**
 * A Kinesis record exactly as Lambda delivers it: base64 data, 56-digit sequence number,
 * `eventID` = `<shardId>:<sequenceNumber>`.
 *
 * @example kinesisRecordFactory({ payload: { type: 'car_sensor', ... }, sequence: 1 })
 */
export function kinesisRecordFactory(spec: RecordSpec): KinesisStreamRecord {
  const bytes =
    'bytes' in spec
      ? Buffer.from(spec.bytes)
      : Buffer.from('payload' in spec ? JSON.stringify(spec.payload) : spec.data);
  const shardId = spec.shardId ?? 'shardId-000000000000';
  const seq = sequenceNumber(spec.sequence ?? 1);
  return {
    kinesis: {
      kinesisSchemaVersion: '1.0',
      partitionKey: spec.partitionKey ?? 'fixture',
      sequenceNumber: seq,
      data: bytes.toString('base64'),
      approximateArrivalTimestamp: spec.arrivalSeconds ?? 1795507200.123,
    },
    eventSource: 'aws:kinesis',
    eventVersion: '1.0',
    eventID: `${shardId}:${seq}`,
    eventName: 'aws:kinesis:record',
    invokeIdentityArn: 'arn:aws:iam::123456789012:role/fleetstream-dev-ingest-eu-west-1',
    awsRegion: 'eu-west-1',
    eventSourceARN: FIXTURE_STREAM_ARN,
  };
}

/** A Kinesis event of records numbered 1..n in order. */
export function kinesisEventFactory(specs: readonly RecordSpec[]): KinesisStreamEvent {
  return { Records: specs.map((spec, i) => kinesisRecordFactory({ sequence: i + 1, ...spec })) };
}

/** A tumbling-window event as Lambda passes it to a function with `tumblingWindowInSeconds`. */
export function tumblingWindowEventFactory(
  specs: readonly RecordSpec[],
  window: { start: string; end: string },
  state: Record<string, unknown> = {},
  isFinalInvokeForWindow = false,
): KinesisStreamTumblingWindowEvent {
  return { ...kinesisEventFactory(specs), window, state, isFinalInvokeForWindow, isWindowTerminatedEarly: false };
}

let streamSequence = 0;

/**
 * The `kinesis` member of a record (what processBatch takes): the payload as JSON (or a string as
 * is), numbered in order across the test file.
 *
 * @example processBatch([streamRecordFactory({ type: 'car_sensor', … }), streamRecordFactory('not json')], origin, ctx, sinks)
 */
export function streamRecordFactory(payload: unknown, partitionKey = '1452650'): StreamRecordData {
  const text = typeof payload === 'string' ? payload : JSON.stringify(payload);
  return { data: Buffer.from(text).toString('base64'), partitionKey, sequenceNumber: sequenceNumber(++streamSequence) };
}
