import { Buffer } from 'node:buffer';
import { createReadStream } from 'node:fs';
import type { ProducedRecord } from '#src/simulate/produced-record.js';
import { partitionKeyOf } from '#src/telemetry/partition-key.js';

const LF = 0x0a;
const CR = 0x0d;

/**
 * The lines of a file as bytes, exactly, a chunk's worth at a time: split on `\n` only, one `\r`
 * right before the `\n` (CRLF) dropped, nothing decoded. Node's readline also ends a line at a
 * lone `\r` and at U+2028/U+2029, and decoding to a string turns invalid UTF-8 into U+FFFD: a reader
 * must not change what the producer wrote, so ingest can judge the record as Kinesis would have
 * carried it. A last line without a newline is a line; a file ending in `\n` has no empty line after
 * it. Batches, not single lines: one promise per chunk rather than per line.
 *
 * @example for await (const lines of readLineBatches('events.jsonl')) for (const line of lines) …
 */
export async function* readLineBatches(path: string, chunkBytes = 1024 * 1024): AsyncGenerator<Buffer[]> {
  // The pieces of a line that spans chunks; joined once, when its newline arrives.
  let parts: Buffer[] = [];
  for await (const chunk of createReadStream(path, { highWaterMark: chunkBytes }) as AsyncIterable<Buffer>) {
    const lines: Buffer[] = [];
    let start = 0;
    for (let newline = chunk.indexOf(LF); newline >= 0; newline = chunk.indexOf(LF, start)) {
      // A view of the chunk when the line lies within it: no copy on the common path.
      let line = chunk.subarray(start, newline);
      if (parts.length > 0) {
        parts.push(line);
        line = Buffer.concat(parts);
        parts = [];
      }
      lines.push(line.length > 0 && line[line.length - 1] === CR ? line.subarray(0, line.length - 1) : line);
      start = newline + 1;
    }
    if (start < chunk.length) parts.push(chunk.subarray(start));
    if (lines.length > 0) yield lines;
  }
  if (parts.length > 0) yield [Buffer.concat(parts)];
}

/**
 * readLineBatches one line at a time.
 *
 * @example for await (const line of readLines('events.b64')) …
 */
export async function* readLines(path: string, chunkBytes?: number): AsyncGenerator<Buffer> {
  for await (const lines of readLineBatches(path, chunkBytes)) yield* lines;
}

/**
 * The text a partition key is looked for in: the line's first 4 KiB, decoded only for that.
 *
 * @example partitionKeyOf(keyText(line), 'line-1')
 */
export function keyText(line: Buffer): string {
  return line.toString('utf8', 0, Math.min(line.length, 4096));
}

/**
 * Streams a JSONL file: each line is one raw record payload exactly as it would sit in a Kinesis
 * record, its bytes untouched (readLines). Every line, hostile or empty, becomes a record: ingest
 * judges it, so nothing is dropped here.
 *
 * @example for await (const record of readJsonlRecords('events.jsonl', Date.now())) stream.put(…);
 */
export async function* readJsonlRecords(path: string, startMs: number): AsyncGenerator<ProducedRecord> {
  let lineNumber = 0;
  for await (const line of readLines(path)) {
    lineNumber++;
    yield {
      partitionKey: partitionKeyOf(keyText(line), `line-${lineNumber}`),
      data: line,
      arrivalMs: startMs + lineNumber,
    };
  }
}
