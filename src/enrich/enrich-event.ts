import type { TelemetryEvent } from '../telemetry/event.js';
import type { DimensionIndex } from './dimensions.js';

/**
 * Adds the car's driver, model and colour to a car_sensor event (the `x-derived` columns of
 * schemas/car_sensor.schema.json). An unknown car is still accepted, with `enriched: false` and nulls.
 * Every field is always assigned, in the same order, so events keep one hidden class.
 */
export function enrichEvent(event: TelemetryEvent, dimensions: DimensionIndex): void {
  if (event.type !== 'car_sensor') return;
  const car = dimensions.get(event.car_id as number);
  event.driver_id = car ? car.driver_id : null;
  event.model_id = car ? car.model_id : null;
  event.make = car ? car.make : null;
  event.model = car ? car.model : null;
  event.color_id = car ? car.color_id : null;
  event.color = car ? car.color : null;
  event.enriched = car !== undefined;
}
