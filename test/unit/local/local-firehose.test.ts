import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutRecordBatchCommand } from '@aws-sdk/client-firehose';
import { FirehoseApiError, LocalFirehose } from '#local/firehose/local-firehose.js';
import type { LocalLake } from '#local/lake/local-lake.js';
import type { TableName } from '#src/schema/registry.js';

/** A lake that only remembers what it was given. */
function recordingLake() {
  const appended: { table: TableName; rows: number; text: string }[] = [];
  const lake = {
    append: async (table: TableName, data: Uint8Array, rows: number) => {
      appended.push({ table, rows, text: Buffer.from(data).toString() });
    },
  } as unknown as LocalLake;
  return { lake, appended };
}

function setup() {
  const { lake, appended } = recordingLake();
  const errorDir = mkdtempSync(join(tmpdir(), 'firehose-errors-'));
  const firehose = new LocalFirehose({ lake, streams: new Map([['lake-car-sensor', 'car_sensor']]), errorDir });
  return { firehose, appended, errorDir };
}

const lines = (n: number) => Array.from({ length: n }, (_, i) => `{"n":${i}}\n`).join('');
const put = (records: (string | Uint8Array)[], stream = 'lake-car-sensor') =>
  new PutRecordBatchCommand({
    DeliveryStreamName: stream,
    Records: records.map((r) => ({ Data: typeof r === 'string' ? Buffer.from(r) : r })),
  });

describe('Class: LocalFirehose (the lake delivery streams stand-in)', () => {
  it('de-aggregates newline-delimited objects into the table of the stream', async () => {
    // Prepare
    const { firehose, appended } = setup();

    // Act
    const response = await firehose.send(put([lines(3), lines(500)]));

    // Assess
    expect(response.FailedPutCount).toBe(0);
    expect(appended.map((a) => [a.table, a.rows])).toEqual([
      ['car_sensor', 3],
      ['car_sensor', 500],
    ]);
    expect(firehose.stats).toMatchObject({ records: 2, objects: 503, deaggregation_failed: 0 });
  });

  it('sends a record of more than 500 objects to the error output instead of the lake, and counts it', async () => {
    // Prepare
    const { firehose, appended, errorDir } = setup();

    // Act
    const response = await firehose.send(put([lines(501)]));

    // Assess
    expect(response.FailedPutCount).toBe(0);
    expect(appended).toEqual([]);
    expect(firehose.stats.deaggregation_failed).toBe(1);
    const failed = JSON.parse(readFileSync(join(errorDir, 'car_sensor', 'processing-failed', 'records.jsonl'), 'utf8'));
    expect(Buffer.from(failed.rawData, 'base64').toString()).toBe(lines(501));
  });

  it.each([
    ['more than 500 records', () => put(Array.from({ length: 501 }, () => lines(1)))],
    ['more than 4 MiB in one call', () => put(Array.from({ length: 5 }, () => 'x'.repeat(1000 * 1024)))],
    ['a record over 1,000 KiB', () => put([new Uint8Array(1000 * 1024 + 1)])],
    ['no record', () => put([])],
  ])('refuses a call with %s whole, as ValidationException', async (_case, command) => {
    // Prepare
    const { firehose, appended } = setup();

    // Act
    const call = firehose.send(command());

    // Assess
    await expect(call).rejects.toThrow(FirehoseApiError);
    await expect(call).rejects.toMatchObject({ name: 'ValidationException' });
    expect(appended).toEqual([]);
  });

  it('refuses an unknown delivery stream', async () => {
    // Prepare
    const { firehose } = setup();

    // Act
    const call = firehose.send(put([lines(1)], 'no-such-stream'));

    // Assess
    await expect(call).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
  });
});
