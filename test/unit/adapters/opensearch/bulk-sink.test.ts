import { createSignedFetch } from '#src/adapters/aws/signed-fetch.js';
import { type BulkAnswer, createBulkSink, type FailedDocument } from '#src/adapters/opensearch/bulk-sink.js';
import { createHttpBulkTransport } from '#src/adapters/opensearch/bulk-transport.js';
import { INDEX_FAMILIES } from '#src/search/index-templates.js';
import { SinkWriteError } from '#src/sinks/sink.js';
import { MemorySink } from '#test/helpers/memory-sink.js';

const START = Date.UTC(2026, 10, 24, 8);
const row = (id: string) => ({ event_id: id, ts: START, type: 'car_sensor' });
const noSleep = async () => {};

/** A transport answering each request with the statuses `statuses` gives for its documents. */
function fakeTransport(statuses: (ids: string[], call: number) => number[] | Error) {
  const bodies: string[] = [];
  /** Each request's size in bytes as sent (UTF-8). */
  const sizes: number[] = [];
  const transport = async (body: string): Promise<BulkAnswer> => {
    bodies.push(body);
    sizes.push(Buffer.byteLength(body));
    const lines = body.trimEnd().split('\n');
    const ids = lines.filter((_, i) => i % 2 === 0).map((line) => JSON.parse(line).index._id as string);
    const answer = statuses(ids, bodies.length);
    if (answer instanceof Error) throw answer;
    return {
      errors: answer.some((status) => status >= 300),
      items: answer.map((status, i) => ({
        index: {
          status,
          _index: 'fleetstream-events-2026-11-24',
          _id: ids[i]!,
          ...(status >= 300 ? { error: { type: 'mapper_parsing_exception', reason: 'bad' } } : {}),
        },
      })),
    };
  };
  return { transport, bodies, sizes };
}

function sink(
  transport: (body: string) => Promise<BulkAnswer>,
  failed = new MemorySink<FailedDocument>('failed'),
  maxRequestBytes?: number,
) {
  return {
    failed,
    sink: createBulkSink({
      name: 'search:events',
      family: INDEX_FAMILIES.events,
      serialize: (r: ReturnType<typeof row>) => JSON.stringify(r),
      transport,
      failed,
      sleep: noSleep,
      maxAttempts: 3,
      ...(maxRequestBytes ? { maxRequestBytes } : {}),
    }),
  };
}

describe('Function: createBulkSink()', () => {
  it('indexes each row with its id as _id, in the daily index of its own time', async () => {
    // Prepare
    const { transport, bodies } = fakeTransport((ids) => ids.map(() => 201));
    const { sink: search } = sink(transport);

    // Act
    await search.write([row('a'), row('b')]);

    // Assess
    expect(bodies).toHaveLength(1);
    expect(bodies[0]!.split('\n')[0]).toBe('{"index":{"_index":"fleetstream-events-2026-11-24","_id":"a"}}');
    expect(bodies[0]!.trimEnd().split('\n')).toHaveLength(4);
  });

  it('keeps a document the index refuses with its reason, retries a 429 on another, and stores the rest', async () => {
    // Prepare
    const { transport, bodies } = fakeTransport((ids, call) =>
      ids.map((id) => (id === 'bad' ? 400 : id === 'busy' && call === 1 ? 429 : 201)),
    );
    const { sink: search, failed } = sink(transport);

    // Act
    await search.write([row('ok'), row('bad'), row('busy')]);

    // Assess
    expect(failed.stored).toEqual([
      expect.objectContaining({ id: 'bad', status: 400, reason: 'mapper_parsing_exception: bad' }),
    ]);
    expect(bodies).toHaveLength(2);
    expect(bodies[1]).toContain('"_id":"busy"');
    expect(bodies[1]).not.toContain('"_id":"ok"');
  });

  it('throws SinkWriteError naming the first row not indexed once a failing request has used its attempts', async () => {
    // Prepare
    const { transport, bodies } = fakeTransport((ids) =>
      ids.includes('c') ? new Error('HTTP 503') : ids.map(() => 201),
    );
    const { sink: search } = sink(transport, undefined, 150);

    // Act
    const write = search.write([row('a'), row('b'), row('c'), row('d')]);

    // Assess
    await expect(write).rejects.toThrow(SinkWriteError);
    await expect(write).rejects.toMatchObject({ firstFailedIndex: 2 });
    expect(bodies.length).toBeGreaterThan(3);
  });

  it('splits a large write into requests of at most maxRequestBytes', async () => {
    // Prepare
    const { transport, bodies } = fakeTransport((ids) => ids.map(() => 201));
    const { sink: search } = sink(transport, undefined, 1000);

    // Act
    await search.write(Array.from({ length: 40 }, (_, i) => row(`id-${i}`)));

    // Assess
    expect(bodies.length).toBeGreaterThan(3);
    for (const body of bodies) expect(body.length).toBeLessThanOrEqual(1000);
    expect(bodies.join('').match(/"_id"/g)).toHaveLength(40);
  });

  it('counts a request in UTF-8 bytes, so documents of non-ASCII text stay within maxRequestBytes', async () => {
    // Prepare: each document carries 100 characters of three bytes each
    const { transport, bodies, sizes } = fakeTransport((ids) => ids.map(() => 201));
    const { sink: search } = sink(transport, undefined, 2000);
    const rows = Array.from({ length: 40 }, (_, i) => ({ ...row(`id-${i}`), note: '€'.repeat(100) }));

    // Act
    await search.write(rows);

    // Assess
    expect(sizes.length).toBeGreaterThan(5);
    for (const size of sizes) expect(size).toBeLessThanOrEqual(2000);
    expect(bodies.join('').match(/"_id"/g)).toHaveLength(40);
    expect(bodies.join('')).toContain('€'.repeat(100));
  });
});

describe('Function: createHttpBulkTransport() with createSignedFetch()', () => {
  const realFetch = globalThis.fetch;
  afterEach(() => {
    globalThis.fetch = realFetch;
  });

  it('POSTs NDJSON to _bulk, signed with SigV4 for the es service, and throws on a 5xx', async () => {
    // Prepare
    const seen: { url: string; headers: Record<string, string> }[] = [];
    let status = 200;
    globalThis.fetch = (async (url: string, init: { headers: Record<string, string> }) => {
      seen.push({ url, headers: init.headers });
      return new Response(JSON.stringify({ errors: false }), { status });
    }) as unknown as typeof fetch;
    const signed = createSignedFetch({
      region: 'eu-west-1',
      credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' },
    });
    const transport = createHttpBulkTransport('https://search-fleetstream-dev-x.eu-west-1.es.amazonaws.com', signed);

    // Act
    const answer = await transport('{"index":{}}\n{}\n');
    status = 503;
    const failing = transport('{"index":{}}\n{}\n');

    // Assess
    expect(answer).toEqual({ errors: false });
    await expect(failing).rejects.toThrow(/HTTP 503/);
    expect(seen[0]!.url).toMatch(/\/_bulk\?filter_path=errors,items/);
    expect(seen[0]!.headers['content-type']).toBe('application/x-ndjson');
    expect(seen[0]!.headers.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/eu-west-1\/es\/aws4_request/,
    );
    expect(seen[0]!.headers['x-amz-content-sha256']).toMatch(/^[0-9a-f]{64}$/);
  });
});
