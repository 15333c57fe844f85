import { opensearchMapping, tableColumns } from '#src/schema/columns.js';
import { EVENT_TYPES } from '#src/schema/registry.js';
import { createBulkFormatter } from '#src/search/bulk-lines.js';
import { familyProperties, INDEX_FAMILIES, indexTemplate, retentionPolicy } from '#src/search/index-templates.js';

describe('Function: indexTemplate()', () => {
  it('maps every column of every event type, as schemas/ type it, strictly', () => {
    // Act
    const template = indexTemplate(INDEX_FAMILIES.events) as {
      index_patterns: string[];
      template: { mappings: { dynamic: string; properties: Record<string, unknown> } };
    };

    // Assess
    expect(template.index_patterns).toEqual(['fleetstream-events-*']);
    expect(template.template.mappings.dynamic).toBe('strict');
    const columns = EVENT_TYPES.flatMap((type) => tableColumns(type));
    for (const column of columns)
      expect(template.template.mappings.properties[column.name]).toEqual(opensearchMapping(column));
    expect(Object.keys(template.template.mappings.properties).sort()).toEqual(
      [...new Set(columns.map((c) => c.name))].sort(),
    );
    expect(template.template.mappings.properties).toMatchObject({
      location: { type: 'geo_point' },
      event_id: { type: 'keyword' },
      ts: { type: 'date', format: 'epoch_millis' },
    });
  });

  it('given two tables that type a field differently, throws naming the field and both tables', () => {
    // Prepare
    const columnsOf = (table: string) => [
      { name: 'reading', type: table === 'car_sensor' ? ('double' as const) : ('string' as const), nullable: true },
    ];

    // Act
    const derive = () => familyProperties({ ...INDEX_FAMILIES.events, tables: ['car_sensor', 'gps'] }, columnsOf);

    // Assess
    expect(derive).toThrow(/field reading is .*double.* in car_sensor but .*keyword.* in gps/);
  });

  it('builds an ISM policy that deletes the family after the given days', () => {
    expect(retentionPolicy(INDEX_FAMILIES.alerts, 30)).toMatchObject({
      policy: {
        states: [
          { name: 'hot', transitions: [{ state_name: 'delete', conditions: { min_index_age: '30d' } }] },
          { name: 'delete', actions: [{ delete: {} }] },
        ],
        ism_template: [{ index_patterns: ['fleetstream-alerts-*'] }],
      },
    });
  });
});

describe('Function: createBulkFormatter()', () => {
  it('writes an index action with the daily index (UTC, as Firehose rotates) and the id, then the document', () => {
    // Prepare
    const format = createBulkFormatter(INDEX_FAMILIES.alerts, (row: { alert_id: string; ts: number }) =>
      JSON.stringify(row),
    );
    const beforeMidnight = Date.UTC(2026, 10, 24, 23, 59, 59, 999);

    // Act
    const lines = [
      format({ alert_id: 'a"1', ts: beforeMidnight }),
      format({ alert_id: 'a2', ts: beforeMidnight + 1 }),
    ].join('');

    // Assess
    expect(
      lines
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line)),
    ).toEqual([
      { index: { _index: 'fleetstream-alerts-2026-11-24', _id: 'a"1' } },
      { alert_id: 'a"1', ts: beforeMidnight },
      { index: { _index: 'fleetstream-alerts-2026-11-25', _id: 'a2' } },
      { alert_id: 'a2', ts: beforeMidnight + 1 },
    ]);
  });
});
