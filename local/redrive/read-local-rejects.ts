import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { createGunzip } from 'node:zlib';
import type { Reject } from '#src/telemetry/event.js';

/**
 * Every reject of a local run's reject store (`<out>/rejects.jsonl.gz`, gzip JSONL).
 *
 * @example for await (const reject of readLocalRejects('.fleetstream/rejects.jsonl.gz')) …
 */
export async function* readLocalRejects(path: string): AsyncGenerator<Reject> {
  const lines = createInterface({
    input: createReadStream(path).pipe(createGunzip()),
    crlfDelay: Number.POSITIVE_INFINITY,
  });
  let lineNumber = 0;
  for await (const line of lines) {
    lineNumber++;
    if (line.trim() === '') continue;
    try {
      yield JSON.parse(line) as Reject;
    } catch (error) {
      throw new Error(`${path} line ${lineNumber}: ${(error as Error).message}`);
    }
  }
}
