import { Buffer } from 'node:buffer';

/**
 * Whether text has a character outside 7-bit ASCII (then the Latin-1 view of bytes is not their
 * UTF-8 text). Counting UTF-8 bytes is SIMD in Node and twice as fast as a /[\u0080-\uffff]/ test.
 */
const hasNonAscii = (text: string) => Buffer.byteLength(text, 'utf8') !== text.length;

/**
 * Decodes a Kinesis record's base64 data to text, and its size in bytes. Telemetry is almost
 * always ASCII, for which `atob` (one string, no Buffer) gives the UTF-8 text directly and is about
 * twice as fast; anything else takes the Buffer path.
 */
export function decodeBase64(data: string): { text: string; bytes: number } {
  let binary: string;
  try {
    binary = atob(data);
  } catch {
    const buffer = Buffer.from(data, 'base64');
    return { text: buffer.toString('utf8'), bytes: buffer.length };
  }
  if (!hasNonAscii(binary)) return { text: binary, bytes: binary.length };
  const buffer = Buffer.from(data, 'base64');
  return { text: buffer.toString('utf8'), bytes: buffer.length };
}

/** Encodes text as base64 of its UTF-8 bytes, as a Kinesis producer does (`btoa` for ASCII text). */
export function encodeBase64(text: string): string {
  return hasNonAscii(text) ? Buffer.from(text, 'utf8').toString('base64') : btoa(text);
}

/** Encodes bytes as base64 (a record's data as a Lambda event carries it). */
export function encodeBase64Bytes(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}
