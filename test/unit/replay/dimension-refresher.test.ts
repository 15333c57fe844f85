import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createDimensionRefresher } from '#src/dimensions/dimension-refresher.js';
import type { DimensionDocument } from '#src/dimensions/publish-dimensions.js';

const csv = {
  cars: readFileSync(join('data', 'cars.csv'), 'utf8'),
  car_models: readFileSync(join('data', 'car_models.csv'), 'utf8'),
  car_colors: readFileSync(join('data', 'car_colors.csv'), 'utf8'),
};

describe('Function: createDimensionRefresher()', () => {
  it('returns a new index when the store publishes a new version, looking at most once per interval', async () => {
    // Prepare
    let now = 0;
    let document: DimensionDocument | undefined;
    let loads = 0;
    const errors: unknown[] = [];
    const refresh = createDimensionRefresher({
      load: async () => {
        loads++;
        return document;
      },
      intervalMs: 60_000,
      now: () => now,
      onError: (error) => errors.push(error),
    });

    // Act and assess: nothing published yet
    expect(await refresh()).toBeUndefined();
    // a version appears, but the interval has not passed
    document = { version: 'v1', published_at: '', csv };
    now = 30_000;
    expect(await refresh()).toBeUndefined();
    expect(loads).toBe(1);
    // the interval passed: the new version's index
    now = 60_000;
    const index = await refresh();
    expect(index?.size).toBe(20);
    // the same version again: nothing new
    now = 120_000;
    expect(await refresh()).toBeUndefined();
    // an extra car in a new version
    document = { version: 'v2', published_at: '', csv: { ...csv, cars: `${csv.cars.trimEnd()}\n1234567,9,1,1\n` } };
    now = 180_000;
    expect((await refresh())?.size).toBe(21);
    expect(errors).toEqual([]);
  });

  it('given a store it cannot read, keeps the dimensions in use and says why', async () => {
    // Prepare
    const errors: unknown[] = [];
    const refresh = createDimensionRefresher({
      load: async () => {
        throw new Error('AccessDenied');
      },
      intervalMs: 1,
      now: () => 5,
      onError: (error) => errors.push(error),
    });

    // Act
    const index = await refresh();

    // Assess
    expect(index).toBeUndefined();
    expect(errors).toEqual([new Error('AccessDenied')]);
  });
});
