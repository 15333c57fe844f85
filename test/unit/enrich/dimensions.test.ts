import { join } from 'node:path';
import { loadDimensionsFromDir } from '#src/adapters/file/load-dimensions.js';
import { DimensionError, indexDimensions, parseDimensions } from '#src/enrich/dimensions.js';
import { enrichEvent } from '#src/enrich/enrich-event.js';
import type { TelemetryEvent } from '#src/telemetry/event.js';

/** The error `fn` throws; fails the test when it throws nothing. */
function thrownBy(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

const models = 'model_id,make,model\n1,Mazda,3\n';
const colors = 'color_id,color\n1,Black\n';

describe('Function: parseDimensions()', () => {
  it('loads the shipped seed tables: 7 models, 7 colours, 20 cars with 7-digit ids', () => {
    // Act
    const dims = loadDimensionsFromDir(join(process.cwd(), 'data'));

    // Assess
    expect(dims.models).toHaveLength(7);
    expect(dims.colors).toHaveLength(7);
    expect(dims.cars).toHaveLength(20);
    expect(dims.cars.every((car) => car.car_id >= 1_000_000 && car.car_id <= 9_999_999)).toBe(true);
    expect(indexDimensions(dims).size).toBe(20);
  });

  it('lists every bad row with its line and reason instead of skipping it', () => {
    // Prepare
    const cars =
      'car_id,driver_id,model_id,color_id\n123,1,1,1\n1000001,1,9,1\n1000001,2,1,1\n1000002,x,1,1\n1000003,1,1\n';

    // Act
    const parse = () => parseDimensions({ cars, car_models: models, car_colors: colors });

    // Assess
    const error = thrownBy(parse);
    expect(error).toBeInstanceOf(DimensionError);
    expect((error as DimensionError).rows).toEqual([
      { table: 'cars', line: 2, reason: 'car_id:not_7_digit_integer "123"' },
      { table: 'cars', line: 5, reason: 'driver_id:not_positive_integer "x"' },
      { table: 'cars', line: 6, reason: 'row:column_count expected 4 got 3' },
      // The CSV's own lines: the second 1000001 is on line 4, the unknown model on line 3.
      { table: 'cars', line: 4, reason: 'car_id:duplicate 1000001' },
      { table: 'cars', line: 3, reason: 'model_id:unknown 9' },
    ]);
  });

  it('names missing header columns', () => {
    expect(() => parseDimensions({ cars: 'car_id\n1000001\n', car_models: models, car_colors: colors })).toThrow(
      /cars.csv:1 header:missing_columns driver_id,model_id,color_id/,
    );
  });
});

describe('Function: enrichEvent()', () => {
  const index = indexDimensions(
    parseDimensions({
      cars: 'car_id,driver_id,model_id,color_id\n1000001,7,1,1\n',
      car_models: models,
      car_colors: colors,
    }),
  );
  const reading = (carId: number): TelemetryEvent => ({
    type: 'car_sensor',
    event_id: 'e',
    ts: 0,
    car_id: carId,
    speed: 1,
    rpm: 1,
    gear: 1,
  });

  it('adds driver, model and colour for a known car', () => {
    const event = reading(1000001);
    enrichEvent(event, index);
    expect(event).toMatchObject({
      driver_id: 7,
      model_id: 1,
      make: 'Mazda',
      model: 'Mazda 3',
      color_id: 1,
      color: 'Black',
      enriched: true,
    });
  });

  it('accepts an unknown car, flagged as not enriched', () => {
    const event = reading(9999999);
    enrichEvent(event, index);
    expect(event).toMatchObject({ enriched: false, driver_id: null, model: null, color: null });
  });
});
