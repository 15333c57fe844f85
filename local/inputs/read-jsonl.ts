import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type { ProducedRecord } from '../../src/simulate/produced-record.js';

/** The partition key a producer would use: the payload's car, vehicle or user id, else the line number. */
function partitionKeyOf(line: string, lineNumber: number): string {
  const match = /"(?:car_id|vehicle_id|user_id)"\s*:\s*"?([^",}\s]{1,64})/.exec(line.slice(0, 4096));
  return match?.[1] ?? `line-${lineNumber}`;
}

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
    yield { partitionKey: partitionKeyOf(line, lineNumber), data: line, arrivalMs: startMs + lineNumber };
  }
}
