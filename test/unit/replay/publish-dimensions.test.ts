import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type DimensionDocument, publishDimensions } from '#src/dimensions/publish-dimensions.js';

const csv = {
  cars: readFileSync(join('data', 'cars.csv'), 'utf8'),
  car_models: readFileSync(join('data', 'car_models.csv'), 'utf8'),
  car_colors: readFileSync(join('data', 'car_colors.csv'), 'utf8'),
};

function memoryStore() {
  const published: DimensionDocument[] = [];
  return {
    published,
    store: {
      currentVersion: async () => published.at(-1)?.version,
      publish: async (_version: string, document: DimensionDocument) => void published.push(document),
    },
  };
}

describe('Function: publishDimensions()', () => {
  it('publishes a version once; loading the same files again changes nothing', async () => {
    // Prepare
    const { store, published } = memoryStore();

    // Act
    const first = await publishDimensions(csv, store, 0);
    const second = await publishDimensions(csv, store, 1000);

    // Assess
    expect(first).toMatchObject({ ok: true, changed: true, rows: { cars: 20, car_models: 7, car_colors: 7 } });
    expect(second).toEqual({ ...first, changed: false });
    expect(published).toHaveLength(1);
  });

  it('given bad rows, publishes nothing and lists every one with its reason', async () => {
    // Prepare
    const { store, published } = memoryStore();
    const bad = { ...csv, cars: `${csv.cars.trimEnd()}\n123,5001,1,1\n9999999,5002,99,1\n` };

    // Act
    const report = await publishDimensions(bad, store, 0);

    // Assess
    expect(report.ok).toBe(false);
    if (report.ok) throw new Error('unreachable');
    // Line numbers are the CSV's own, also after a rejected row.
    expect(report.bad_rows).toEqual([
      { table: 'cars', line: 22, reason: 'car_id:not_7_digit_integer "123"' },
      { table: 'cars', line: 23, reason: 'model_id:unknown 99' },
    ]);
    expect(published).toEqual([]);
  });
});
