import { mkdtempSync, readFileSync, WriteStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { createLineSink, createTextSink, WRITE_BATCH_BYTES } from '#local/run/file-sinks.js';

/** Runs `act` counting the writes file streams hand the file system (`_write` and `_writev` calls). */
async function countingFileWrites(act: () => Promise<void>): Promise<number> {
  const prototype = WriteStream.prototype as unknown as Record<'_write' | '_writev', (...args: unknown[]) => void>;
  const originals = { _write: prototype._write, _writev: prototype._writev };
  let writes = 0;
  for (const method of ['_write', '_writev'] as const)
    prototype[method] = function (this: WriteStream, ...args: unknown[]) {
      writes++;
      originals[method].apply(this, args);
    };
  try {
    await act();
  } finally {
    Object.assign(prototype, originals);
  }
  return writes;
}

describe('Function: createLineSink() and createTextSink()', () => {
  it('given many small batches over many turns of the event loop, writes the file in batches of about WRITE_BATCH_BYTES, every line in order', async () => {
    // Prepare: 3 MiB in 1 KiB batches, the loop turning between them as in a run (the file stream
    // finishes a write between two batches)
    const dir = mkdtempSync(join(tmpdir(), 'file-sinks-'));
    const path = join(dir, 'lines.jsonl');
    const line = (i: number) => `${String(i).padStart(8, '0')}${'x'.repeat(1015)}`;
    const batches = (3 * WRITE_BATCH_BYTES) / 1024;

    // Act
    const writes = await countingFileWrites(async () => {
      const sink = createLineSink('lines', path);
      for (let i = 0; i < batches; i++) {
        await sink.write([line(i)]);
        await nextTurn();
      }
      await sink.close();
    });

    // Assess
    expect(writes).toBeLessThanOrEqual(4);
    const lines = readFileSync(path, 'utf8').split('\n');
    expect(lines.pop()).toBe('');
    expect(lines).toHaveLength(batches);
    expect(lines.every((text, i) => text === line(i))).toBe(true);
  });

  it('given text and bytes mixed, keeps their order and counts the items each holds', async () => {
    // Prepare
    const dir = mkdtempSync(join(tmpdir(), 'file-sinks-'));
    const path = join(dir, 'bodies.ndjson');
    const sink = createTextSink('bodies', path);

    // Act
    await sink.write(['a\n']);
    await sink.writeBytes(new TextEncoder().encode('b\nc\n'), 2);
    await sink.write(['d\n', 'é\n']);
    await sink.close();

    // Assess
    expect(readFileSync(path, 'utf8')).toBe('a\nb\nc\nd\né\n');
    expect(sink.count).toBe(5);
  });
});
