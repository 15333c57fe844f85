import { Buffer } from 'node:buffer';
import { encodeBase64 } from '../telemetry/base64.js';

/**
 * One record as a producer hands it to Kinesis: the partition key and the payload, as text (what
 * the simulators write, sent as UTF-8) or as bytes passed through exactly (a file's line, a KPL
 * aggregate, bytes that are not UTF-8 at all).
 */
export interface ProducedRecord {
  partitionKey: string;
  data: string | Uint8Array;
  /** A decimal 128-bit hash key that picks the shard instead of the partition key (a KPL aggregate carries one). */
  explicitHashKey?: string;
  /** When the record reaches the stream (epoch ms); replays use the event time, so runs are deterministic. */
  arrivalMs?: number;
}

/**
 * A record's data as the base64 a Kinesis event carries: text as its UTF-8 bytes, bytes as they are.
 *
 * @example stream.put(record.partitionKey, producedBase64(record.data), arrivalMs);
 */
export function producedBase64(data: string | Uint8Array): string {
  if (typeof data === 'string') return encodeBase64(data);
  return (Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength)).toString('base64');
}
