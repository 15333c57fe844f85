import { fieldsOfVisualization, readSavedObjects } from '#local/search/dashboards.js';
import { familyProperties, INDEX_FAMILIES } from '#src/search/index-templates.js';

const families = Object.fromEntries(Object.values(INDEX_FAMILIES).map((family) => [family.prefix, family]));

describe('Saved objects: dashboards/fleetstream.ndjson', () => {
  const objects = readSavedObjects(process.cwd());

  it('has an index pattern per index family, the visualizations the dashboard shows, and the dashboard', () => {
    // Act
    const patterns = objects.filter((o) => o.type === 'index-pattern');
    const dashboard = objects.find((o) => o.type === 'dashboard');
    const visualizations = objects.filter((o) => o.type === 'visualization');

    // Assess
    expect(patterns.map((p) => p.attributes.title).sort()).toEqual(
      Object.values(INDEX_FAMILIES)
        .map((f) => `${f.prefix}-*`)
        .sort(),
    );
    expect(dashboard?.references.map((r) => r.id).sort()).toEqual(visualizations.map((v) => v.id).sort());
    expect(visualizations.map((v) => v.id)).toEqual(
      expect.arrayContaining([
        'fleetstream-latest-positions',
        'fleetstream-alerts-by-rule',
        'fleetstream-city-weather',
      ]),
    );
  });

  it.each(
    readSavedObjects(process.cwd())
      .filter((o) => o.type === 'visualization')
      .map((o) => [o.id, o] as const),
  )('%s reads only fields the index family maps, with the types its aggregations need', (_id, visualization) => {
    // Act
    const { indexPattern, fields } = fieldsOfVisualization(visualization);
    const mapped = familyProperties(families[indexPattern]!);

    // Assess
    expect(fields.length).toBeGreaterThan(0);
    for (const field of fields) expect(Object.keys(mapped)).toContain(field);
    const visState = JSON.parse(String(visualization.attributes.visState)) as {
      aggs: { type: string; params: { field?: string } }[];
    };
    for (const agg of visState.aggs) {
      const type = agg.params.field ? (mapped[agg.params.field]?.type as string) : undefined;
      if (agg.type === 'geohash_grid') expect(type).toBe('geo_point');
      if (agg.type === 'date_histogram') expect(type).toBe('date');
      if (agg.type === 'avg' || agg.type === 'max') expect(['double', 'long']).toContain(type);
      if (agg.type === 'terms') expect(type).toBe('keyword');
    }
  });
});
