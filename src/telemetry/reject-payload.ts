import { isUtf8 } from 'node:buffer';
import type { Reject } from './event.js';

/** A reject keeps at most Kinesis's record size of payload (1 MiB). */
const MAX_KEPT_BYTES = 1024 * 1024;

/**
 * The payload fields of a reject: the whole payload, to be fixed and sent again, as text when it
 * is UTF-8 (`payload`), else as base64 of its bytes (`payload_base64`); over 1 MiB, its first 1 MiB
 * and `payload_truncated`.
 *
 * @example const reject: Reject = { …, ...rejectPayload(line) };
 */
export function rejectPayload(
  data: string | Uint8Array,
): Pick<Reject, 'payload' | 'payload_base64' | 'payload_truncated'> {
  if (typeof data === 'string') {
    if (data.length <= MAX_KEPT_BYTES / 4 || Buffer.byteLength(data) <= MAX_KEPT_BYTES) return { payload: data };
    return rejectPayload(Buffer.from(data).subarray(0, MAX_KEPT_BYTES));
  }
  const kept = data.byteLength > MAX_KEPT_BYTES ? data.subarray(0, MAX_KEPT_BYTES) : data;
  const truncated = kept !== data ? { payload_truncated: true } : {};
  const buffer = Buffer.from(kept.buffer, kept.byteOffset, kept.byteLength);
  return isUtf8(buffer)
    ? { payload: buffer.toString('utf8'), ...truncated }
    : { payload_base64: buffer.toString('base64'), ...truncated };
}

/** The bytes of a stored reject's payload, as they were sent. */
export function rejectPayloadBytes(reject: Pick<Reject, 'payload' | 'payload_base64'>): Uint8Array {
  if (reject.payload !== undefined) return Buffer.from(reject.payload, 'utf8');
  return Buffer.from(reject.payload_base64 ?? '', 'base64');
}
