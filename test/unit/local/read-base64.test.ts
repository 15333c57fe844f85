import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { aggregateRecords, readBase64Records, writeBase64Records } from '#local/inputs/read-base64.js';
import type { SourceItem } from '#local/run/source-entry.js';
import { deaggregate } from '#src/ingest/kpl-aggregation.js';

const FIXTURE = join('test', 'fixtures', 'b64', 'kpl.b64');
const tempPath = (name: string) => join(mkdtempSync(join(tmpdir(), 'fleetstream-b64-')), name);

async function collect(items: AsyncIterable<SourceItem>): Promise<SourceItem[]> {
  const out: SourceItem[] = [];
  for await (const item of items) out.push(item);
  return out;
}

describe('Function: readBase64Records()', () => {
  it('gives each line’s blob as bytes, a KPL aggregate keyed as the KPL keys it, and rejects a line that is not base64', async () => {
    // Prepare
    const lines = readFileSync(FIXTURE, 'latin1').trimEnd().split('\n');

    // Act
    const items = await collect(readBase64Records(FIXTURE, 0));

    // Assess
    expect(items).toHaveLength(5);
    const records = items.flatMap((i) => (i.kind === 'record' ? [i.record] : []));
    expect(records.map((r) => Buffer.from(r.data as Uint8Array).toString('base64'))).toEqual(lines.slice(0, 4));
    expect(records.map((r) => r.partitionKey)).toEqual(['a', 'a', '1452650', 'line-4']);
    // The KPL's explicit hash key: MD5 of the first user record's partition key, as a decimal integer.
    expect(records[0]!.explicitHashKey).toBe(
      BigInt(`0x${createHash('md5').update('1452650').digest('hex')}`).toString(),
    );
    expect(records.slice(1).map((r) => r.explicitHashKey)).toEqual([undefined, undefined, undefined]);
    expect(deaggregate(records[0]!.data as Uint8Array).ok).toBe(true);
    expect([...(records[3]!.data as Uint8Array).subarray(-4)]).toEqual([0xff, 0xfe, 0x22, 0x7d]);
    expect(items[4]).toMatchObject({ kind: 'reject', reject: { reason: 'input:base64', reject_id: `${FIXTURE}:5` } });
  });

  it.each([
    ['whitespace', 'eyJhIjox fQ=='],
    ['a missing pad', 'eyJhIjoxfQ'],
    ['base64url', 'eyJhIjoxfQ-_'],
    ['a pad in the middle', 'eQ==eyJh'],
  ])('rejects a line with %s instead of decoding it leniently', async (_case, line) => {
    // Prepare
    const path = tempPath('one.b64');
    writeFileSync(path, `${line}\r\n`);

    // Act
    const items = await collect(readBase64Records(path, 0));

    // Assess
    expect(items).toEqual([expect.objectContaining({ kind: 'reject' })]);
  });
});

describe('Function: aggregateRecords() / writeBase64Records()', () => {
  it('packs records into aggregates of at most N, in order, that read back as the same user records', async () => {
    // Prepare
    const records = Array.from({ length: 7 }, (_, i) => ({ partitionKey: `k${i % 2}`, data: `{"n":${i}}` }));
    const path = tempPath('out.b64');

    // Act
    writeBase64Records(path, await aggregateRecords(records, 3));
    const items = await collect(readBase64Records(path, 0));

    // Assess
    expect(items).toHaveLength(3);
    const users = items.flatMap((item) => {
      const result = item.kind === 'record' ? deaggregate(item.record.data as Uint8Array) : undefined;
      return result?.ok ? result.records.map((r) => [r.partitionKey, Buffer.from(r.data).toString()]) : [];
    });
    expect(users).toEqual(records.map((r) => [r.partitionKey, r.data]));
  });

  it('starts a new aggregate before one would pass Kinesis’s 1 MiB record size', async () => {
    // Prepare: three 400 KB records
    const records = Array.from({ length: 3 }, () => ({ partitionKey: 'k', data: new Uint8Array(400_000) }));

    // Act
    const blobs = await aggregateRecords(records, 100);

    // Assess
    expect(blobs.map((b) => b.length > 0)).toEqual([true, true]);
    expect(blobs.every((b) => b.length <= 1024 * 1024)).toBe(true);
  });
});
