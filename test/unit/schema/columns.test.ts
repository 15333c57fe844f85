import { duckdbType, glueType, tableColumns } from '#src/schema/columns.js';
import { eventSchemas, schemaForTable, TABLES } from '#src/schema/registry.js';

describe('Function: tableColumns()', () => {
  it.each(TABLES)('derives a column for every property of the %s schema', (table) => {
    // Prepare
    const schema = schemaForTable(table);
    const expected = [
      ...Object.keys(schema.properties as object),
      ...Object.keys(((schema['x-derived'] as { properties?: object } | undefined)?.properties ?? {}) as object),
    ];

    // Act
    const names = tableColumns(table).map((c) => c.name);

    // Assess
    expect([...names].sort()).toEqual([...new Set(expected)].sort());
  });

  it('puts event_id first on every event table', () => {
    for (const type of Object.keys(eventSchemas) as (keyof typeof eventSchemas)[]) {
      expect(tableColumns(type)[0]).toEqual({ name: 'event_id', type: 'string', nullable: false });
    }
  });

  it('types car_sensor columns, including the enrichment columns', () => {
    const columns = Object.fromEntries(tableColumns('car_sensor').map((c) => [c.name, c]));
    expect(columns.ts).toEqual({ name: 'ts', type: 'timestamp', nullable: false });
    expect(columns.car_id?.type).toBe('bigint');
    expect(columns.speed?.type).toBe('double');
    expect(columns.color).toEqual({ name: 'color', type: 'string', nullable: true });
    expect(columns.enriched?.type).toBe('boolean');
  });

  it('maps location to a struct and alert values to a map, in Glue and DuckDB', () => {
    const location = tableColumns('gps').find((c) => c.name === 'location')!;
    const values = tableColumns('alerts').find((c) => c.name === 'values')!;
    expect([glueType(location), duckdbType(location)]).toEqual([
      'struct<lat:double,lon:double>',
      'STRUCT(lat DOUBLE, lon DOUBLE)',
    ]);
    expect([glueType(values), duckdbType(values)]).toEqual(['map<string,double>', 'MAP(VARCHAR, DOUBLE)']);
  });

  it('marks altitude_ft nullable, as Geolife writes -777 for unknown', () => {
    expect(tableColumns('trajectory_point').find((c) => c.name === 'altitude_ft')).toEqual({
      name: 'altitude_ft',
      type: 'double',
      nullable: true,
    });
  });
});
