// Packs a JSONL file's lines into KPL aggregated records and writes them as a .b64 file (one base64
// Kinesis data blob per line) for `fleetstream run --input FILE.b64`:
//   npx tsx scripts/kpl-aggregate.ts IN.jsonl OUT.b64 [--per-aggregate N]   (N user records per aggregate, default 100)
import { parseArgs } from 'node:util';
import { aggregateRecords, writeBase64Records } from '#local/inputs/read-base64.js';
import { readJsonlRecords } from '#local/inputs/read-jsonl.js';

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: { 'per-aggregate': { type: 'string' } },
});
const [input, output] = positionals;
const perAggregate = Number(values['per-aggregate'] ?? 100);
if (!input || !output || !Number.isInteger(perAggregate) || perAggregate < 1) {
  console.error('usage: npx tsx scripts/kpl-aggregate.ts IN.jsonl OUT.b64 [--per-aggregate N]');
  process.exit(2);
}
const blobs = await aggregateRecords(readJsonlRecords(input, 0), perAggregate);
writeBase64Records(output, blobs);
console.log(`wrote ${blobs.length} KPL aggregated records to ${output}`);
