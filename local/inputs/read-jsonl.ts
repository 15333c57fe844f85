import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type { ProducedRecord } from '#src/simulate/produced-record.js';
import { partitionKeyOf } from '#src/telemetry/partition-key.js';

/**
 * Streams a JSONL file: each line is one raw record payload exactly as it would sit in a Kinesis
 * record. Every line, hostile or empty, becomes a record: ingest judges it, so nothing is dropped here.
 */
export async function* readJsonlRecords(path: string, startMs: number): AsyncGenerator<ProducedRecord> {
  const lines = createInterface({
    input: createReadStream(path, { encoding: 'utf8' }),
    crlfDelay: Number.POSITIVE_INFINITY,
  });
  let lineNumber = 0;
  for await (const line of lines) {
    lineNumber++;
    yield { partitionKey: partitionKeyOf(line, `line-${lineNumber}`), data: line, arrivalMs: startMs + lineNumber };
  }
}
