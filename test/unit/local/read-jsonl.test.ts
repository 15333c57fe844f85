import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { readJsonlRecords, readLines } from '#local/inputs/read-jsonl.js';
import type { SourceItem } from '#local/run/source-entry.js';
import { LocalStream } from '#local/stream/local-stream.js';
import { pumpIntoIdleStream } from '#test/helpers/pump-idle.js';

const bytes = (...parts: (string | number[])[]) =>
  Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p) : Buffer.from(p))));

function tempFile(content: Uint8Array): string {
  const path = join(mkdtempSync(join(tmpdir(), 'fleetstream-jsonl-')), 'input.jsonl');
  writeFileSync(path, content);
  return path;
}

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

/** The reference: split on \n, drop one \r before each \n, no empty line after a final \n. */
function referenceLines(content: Buffer): Buffer[] {
  const lines: Buffer[] = [];
  let start = 0;
  for (let i = content.indexOf(10); i >= 0; i = content.indexOf(10, start)) {
    const end = i > start && content[i - 1] === 13 ? i - 1 : i;
    lines.push(content.subarray(start, end));
    start = i + 1;
  }
  if (start < content.length) lines.push(content.subarray(start));
  return lines;
}

// Each line as a producer wrote it, and what ingest must receive (a CRLF's \r is the line ending's).
const HOSTILE = [
  bytes('{"type":"car_sensor","note":"raw\rcarriage return"}'),
  bytes('{"type":"car_sensor","note":"line\u2028separator and\u2029paragraph"}'),
  bytes('{"type":"car_sensor","note":"', [0xff, 0xfe, 0xc3, 0x28, 0xed, 0xa0, 0x80], '"}'),
  bytes(''),
  bytes('{"type":"car_sensor","car_id":1452650,"note":"crlf"}'),
];
const HOSTILE_FILE = bytes(
  HOSTILE[0]!.toString('latin1'),
  '\n',
  HOSTILE[1]!.toString('utf8'),
  '\n',
  [...HOSTILE[2]!],
  '\r\n\r\n',
  HOSTILE[4]!.toString('latin1'),
  '\r\n',
);

describe('Function: readLines()', () => {
  it('splits on \\n only: a raw \\r, U+2028 and invalid UTF-8 stay inside their line, byte for byte; CRLF ends a line', async () => {
    // Act
    const lines = await collect(readLines(tempFile(HOSTILE_FILE)));

    // Assess
    expect(lines).toHaveLength(HOSTILE.length);
    expect(lines.map((l) => l.toString('hex'))).toEqual(HOSTILE.map((l) => l.toString('hex')));
  });

  it('keeps a last line without a newline, and a \\r at the very end that is no CRLF', async () => {
    // Act
    const lines = await collect(readLines(tempFile(bytes('a\nb\r'))));

    // Assess
    expect(lines.map((l) => l.toString())).toEqual(['a', 'b\r']);
  });

  it('gives the same lines as the reference split for any bytes and any chunk size (lines across chunks)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.constantFrom(0x0a, 0x0d, 0x41, 0xff, 0xe2, 0x80, 0xa8), { maxLength: 60 }),
        fc.integer({ min: 1, max: 8 }),
        async (content, chunkBytes) => {
          // Prepare
          const file = Buffer.from(content);

          // Act
          const lines = await collect(readLines(tempFile(file), chunkBytes));

          // Assess
          expect(lines.map((l) => l.toString('hex'))).toEqual(referenceLines(file).map((l) => l.toString('hex')));
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('Function: readJsonlRecords() into the stream', () => {
  it('puts each line on the stream with exactly its bytes, keyed by the id it holds or its line number', async () => {
    // Prepare
    const stream = new LocalStream('telemetry', 1);
    async function* items(): AsyncGenerator<SourceItem> {
      for await (const record of readJsonlRecords(tempFile(HOSTILE_FILE), 0)) yield { kind: 'record', record };
    }

    // Act
    const { produced } = await pumpIntoIdleStream(stream, items());

    // Assess
    const onStream = stream.read(0, 0, 100);
    expect(produced).toBe(HOSTILE.length);
    expect(onStream.map((r) => Buffer.from(r.data, 'base64').toString('hex'))).toEqual(
      HOSTILE.map((l) => l.toString('hex')),
    );
    expect(onStream.map((r) => r.partitionKey)).toEqual(['line-1', 'line-2', 'line-3', 'line-4', '1452650']);
  });
});
