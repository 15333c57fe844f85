import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readGeolifeFolder } from '#local/inputs/read-geolife.js';
import { runQuery } from '#local/query.js';
import { loadCars, type RunReport, runPipeline, type SourceItem } from '#local/run/run-pipeline.js';
import { rawTableName } from '#src/schema/dedupe-views.js';
import { TABLES, type TableName } from '#src/schema/registry.js';
import { familyProperties, INDEX_FAMILIES } from '#src/search/index-templates.js';
import { simulateCity } from '#src/simulate/city.js';
import { simulateFleet } from '#src/simulate/fleet.js';
import { type CfnResource, packageStack, resourcesOfType } from '#test/helpers/package-template.js';

const START = Date.UTC(2026, 10, 24, 8);

/** The same type in each system's words: Glue (the deployed lake), DuckDB (the local Parquet), OpenSearch. */
const EQUIVALENT: Record<string, { duckdb: string; opensearch: string }> = {
  string: { duckdb: 'VARCHAR', opensearch: 'keyword' },
  bigint: { duckdb: 'BIGINT', opensearch: 'long' },
  double: { duckdb: 'DOUBLE', opensearch: 'double' },
  boolean: { duckdb: 'BOOLEAN', opensearch: 'boolean' },
  timestamp: { duckdb: 'TIMESTAMP', opensearch: 'date' },
  'struct<lat:double,lon:double>': { duckdb: 'STRUCT(lat DOUBLE, lon DOUBLE)', opensearch: 'geo_point' },
  'map<string,double>': { duckdb: 'MAP(VARCHAR, DOUBLE)', opensearch: 'object' },
};

async function* everyTable(): AsyncGenerator<SourceItem> {
  for (const record of simulateFleet({ cars: loadCars(process.cwd()), seed: 2, startMs: START, events: 6000 }))
    yield { kind: 'record', record };
  for (const record of simulateCity({ seed: 2, startMs: START, maxEvents: 4000 })) yield { kind: 'record', record };
  yield* readGeolifeFolder(join('test', 'fixtures', 'geolife'));
}

describe('Schemas: the Glue tables, the local Parquet files and the OpenSearch mappings agree', () => {
  let glue: Map<string, { Name: string; Type: string }[]>;
  let outDir: string;
  let report: RunReport;

  beforeAll(async () => {
    const { resources } = await packageStack('dev');
    glue = new Map(
      resourcesOfType(resources, 'AWS::Glue::Table').map(([, table]: [string, CfnResource]) => {
        const input = table.Properties.TableInput as {
          Name: string;
          StorageDescriptor: { Columns: { Name: string; Type: string }[] };
        };
        return [input.Name, input.StorageDescriptor.Columns];
      }),
    );
    outDir = join(mkdtempSync(join(tmpdir(), 'fleetstream-agreement-')), 'out');
    report = await runPipeline({
      source: everyTable(),
      scenario: 'all',
      outDir,
      repoRoot: process.cwd(),
      shards: 1,
      seed: 2,
    });
  }, 300_000);

  it.each([...TABLES])('%s: same columns, in the same order, of equivalent types', async (table: TableName) => {
    // Act
    const { rows } = await runQuery(outDir, `DESCRIBE ${rawTableName(table)}`);
    const { rows: viewRows } = await runQuery(outDir, `DESCRIBE ${table}`);
    const parquet = rows
      .map(([name, type]) => ({ name: String(name), type: String(type) }))
      .filter((c) => c.name !== 'dt' && c.name !== 'hour');
    const family = Object.values(INDEX_FAMILIES).find((f) => (f.tables as readonly string[]).includes(table))!;
    const mapped = familyProperties(family);
    const columns = glue.get(rawTableName(table))!;

    // Assess: the lake really has files for this table, so DESCRIBE reads Parquet, not the empty fallback view
    expect(report.lake_rows[table]).toBeGreaterThan(0);
    expect(parquet.map((c) => c.name)).toEqual(columns.map((c) => c.Name));
    expect(viewRows.map(([name, type]) => [name, type])).toEqual(rows.map(([name, type]) => [name, type]));
    for (const [i, column] of columns.entries()) {
      expect(EQUIVALENT[column.Type]).toBeDefined();
      expect(parquet[i]!.type).toBe(EQUIVALENT[column.Type]!.duckdb);
      expect(mapped[column.Name]?.type).toBe(EQUIVALENT[column.Type]!.opensearch);
    }
  });
});
