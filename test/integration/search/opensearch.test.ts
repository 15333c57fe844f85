import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readJsonlRecords } from '#local/inputs/read-jsonl.js';
import { runQuery } from '#local/query.js';
import { loadCars, type RunReport, runPipeline, type SourceItem } from '#local/run/run-pipeline.js';
import { setUpSearch } from '#local/search/dashboards.js';
import { OpenSearchBulkWriter } from '#local/search/opensearch-bulk-writer.js';
import { haversineMeters } from '#src/geo/haversine.js';
import { INDEX_FAMILIES, indexTemplate } from '#src/search/index-templates.js';
import { simulateCity } from '#src/simulate/city.js';
import { simulateFleet } from '#src/simulate/fleet.js';
import { type OpenSearchNode, startOpenSearch } from '#test/helpers/opensearch-node.js';
import { readJsonl, tempOut } from '#test/helpers/output-files.js';

const repoRoot = process.cwd();
const START = Date.UTC(2026, 10, 24, 8);

type TermsAnswer = { aggregations: { by: { buckets: { key: string; doc_count: number }[] } } };
const bucketsOf = (answer: TermsAnswer) =>
  Object.fromEntries(answer.aggregations.by.buckets.map((b) => [b.key, b.doc_count]));

async function* mixed(): AsyncGenerator<SourceItem> {
  for (const record of simulateFleet({ cars: loadCars(repoRoot), seed: 4, startMs: START, events: 8000 }))
    yield { kind: 'record', record };
  for (const record of simulateCity({ seed: 4, startMs: START, maxEvents: 3000 })) yield { kind: 'record', record };
  for await (const record of readJsonlRecords(join('test', 'fixtures', 'jsonl', 'hostile.jsonl'), START))
    yield { kind: 'record', record };
}

describe('Search: fleetstream run --opensearch against a real OpenSearch node', () => {
  let node: OpenSearchNode;
  let report: RunReport;
  let outDir: string;

  beforeAll(async () => {
    node = await startOpenSearch(9250);
    outDir = tempOut('opensearch');
    report = await runPipeline({
      source: mixed(),
      scenario: 'mixed',
      outDir,
      repoRoot,
      shards: 2,
      seed: 4,
      opensearchUrl: node.url,
    });
    // The first start installs OpenSearch with mvn.
  }, 600_000);
  afterAll(async () => {
    await node?.stop();
  }, 120_000);

  it('indexes one document per accepted event, per type, and reports where they went', async () => {
    // Act
    const answer = await node.call<TermsAnswer>('POST', '/fleetstream-events-*/_search', {
      size: 0,
      aggs: { by: { terms: { field: 'type', size: 20 } } },
    });

    // Assess
    expect(report.accepted).toBeGreaterThan(11_000);
    expect(bucketsOf(answer)).toEqual(report.by_type);
    expect(report.search).toMatchObject({ kind: 'opensearch', failed: 0 });
    if (report.search.kind !== 'opensearch') throw new Error('unreachable');
    expect(Object.values(report.search.indexed).reduce((a, b) => a + b, 0)).toBe(
      report.accepted + readJsonl(join(outDir, 'alerts.jsonl')).length + report.window_rows,
    );
  });

  it('answers a terms aggregation on rule exactly as alerts.jsonl counts', async () => {
    // Prepare
    const expected: Record<string, number> = {};
    for (const alert of readJsonl(join(outDir, 'alerts.jsonl'))) expected[alert.rule] = (expected[alert.rule] ?? 0) + 1;

    // Act
    const answer = await node.call<TermsAnswer>('POST', '/fleetstream-alerts-*/_search', {
      size: 0,
      aggs: { by: { terms: { field: 'rule', size: 20 } } },
    });

    // Assess
    expect(Object.keys(expected).length).toBeGreaterThan(2);
    expect(bucketsOf(answer)).toEqual(expected);
  });

  it('finds the vehicle positions within 5 km of a point on the route, and only those', async () => {
    // Prepare: every vehicle position from the lake, and a point a third of the way along the route
    const { rows } = await runQuery(outDir, 'SELECT event_id, location.lat, location.lon FROM vehicle ORDER BY ts');
    const positions = rows.map(([id, lat, lon]) => ({ id: String(id), lat: Number(lat), lon: Number(lon) }));
    const centre = positions[Math.floor(positions.length / 3)]!;
    const radius = 5000;
    const distance = (p: { lat: number; lon: number }) => haversineMeters(centre, p);
    // Points within a metre of the circle may fall either side (OpenSearch quantises coordinates).
    const inside = positions.filter((p) => distance(p) < radius - 1).map((p) => p.id);
    const outside = new Set(positions.filter((p) => distance(p) > radius + 1).map((p) => p.id));

    // Act
    const answer = await node.call<{ hits: { hits: { _source: { event_id: string } }[] } }>(
      'POST',
      '/fleetstream-events-*/_search',
      {
        size: 10_000,
        _source: ['event_id'],
        query: {
          bool: {
            filter: [
              { term: { type: 'vehicle' } },
              { geo_distance: { distance: `${radius}m`, location: { lat: centre.lat, lon: centre.lon } } },
            ],
          },
        },
      },
    );

    // Assess
    const found = answer.hits.hits.map((hit) => hit._source.event_id);
    expect(inside.length).toBeGreaterThan(0);
    expect(outside.size).toBeGreaterThan(0);
    expect(found).toEqual(expect.arrayContaining(inside));
    expect(found.filter((id) => outside.has(id))).toEqual([]);
  });

  it('maps location as geo_point, ids as keyword and times as date, from schemas/', async () => {
    // Act
    const mappings = await node.call<Record<string, { mappings: { properties: Record<string, { type: string }> } }>>(
      'GET',
      '/fleetstream-events-*,fleetstream-window-aggregates-*/_mapping',
    );

    // Assess
    const [events, windows] = ['fleetstream-events-', 'fleetstream-window-aggregates-'].map(
      (prefix) => Object.entries(mappings).find(([index]) => index.startsWith(prefix))![1].mappings.properties,
    );
    expect(events).toMatchObject({
      location: { type: 'geo_point' },
      event_id: { type: 'keyword' },
      car_id: { type: 'long' },
      ts: { type: 'date' },
    });
    expect(windows).toMatchObject({ window_id: { type: 'keyword' }, window_start: { type: 'date' } });
  });

  it('given a document the mapping refuses, writes it with the reason to the failed file and indexes the rest', async () => {
    // Prepare
    const failedPath = join(mkdtempSync(join(tmpdir(), 'fleetstream-failed-')), 'search-failed.jsonl');
    const writer = new OpenSearchBulkWriter({ url: node.url, failedPath });
    const sink = writer.sinkFor<{ event_id: string; ts: number; extra?: number }>(
      'test',
      INDEX_FAMILIES.events,
      (row) => JSON.stringify({ ...row, type: 'car_sensor' }),
    );

    // Act
    await sink.write([
      { event_id: 'ok-1', ts: START },
      { event_id: 'bad-1', ts: START, extra: 1 },
    ]);
    const stats = await writer.close();

    // Assess
    expect(stats).toMatchObject({ failed: 1, indexed: { 'fleetstream-events-2026-11-24': 1 } });
    expect(readJsonl(failedPath)).toEqual([
      expect.objectContaining({
        id: 'bad-1',
        status: 400,
        reason: expect.stringContaining('strict_dynamic_mapping_exception'),
        document: { event_id: 'bad-1', ts: START, extra: 1, type: 'car_sensor' },
      }),
    ]);
  });

  it('fleetstream dashboards import --opensearch puts the generated templates, and says when the node has no ISM plugin', async () => {
    // Prepare
    const lines: string[] = [];

    // Act
    await setUpSearch({
      opensearchUrl: node.url,
      retentionDays: 7,
      repoRoot,
      auth: { kind: 'none' },
      log: (line) => lines.push(line),
    });
    const stored = await node.call<{
      index_templates: { name: string; index_template: { template: { mappings: unknown } } }[];
    }>('GET', '/_index_template/fleetstream-*');

    // Assess
    expect(stored.index_templates.map((t) => t.name).sort()).toEqual(
      Object.values(INDEX_FAMILIES)
        .map((f) => f.prefix)
        .sort(),
    );
    const events = stored.index_templates.find((t) => t.name === 'fleetstream-events')!;
    expect(events.index_template.template.mappings).toEqual(
      (indexTemplate(INDEX_FAMILIES.events) as { template: { mappings: unknown } }).template.mappings,
    );
    expect(lines.filter((line) => line.startsWith('retention policy'))).toHaveLength(3);
    expect(lines).toContain('audit logging: skipped, this node has no security plugin');
  });

  it('fleetstream dashboards import signs every request with SigV4 when asked, and a real node takes them', async () => {
    // Prepare: static credentials stand in for the default chain; the node ignores the signature
    const lines: string[] = [];
    const auth = {
      kind: 'sigv4' as const,
      region: 'eu-west-1',
      credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' },
    };

    // Act
    await setUpSearch({ opensearchUrl: node.url, retentionDays: 7, repoRoot, auth, log: (line) => lines.push(line) });

    // Assess
    expect(lines.filter((line) => line.startsWith('index template'))).toHaveLength(3);
  });
});
