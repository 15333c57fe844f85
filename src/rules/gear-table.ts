/**
 * The gear a car should be in at a given speed (km/h). `wrong_gear` fires when the reported gear is
 * not among the expected ones. Bands are half-open [from, to):
 *
 * | speed (km/h) | expected gear |
 * | --- | --- |
 * | 0 (stopped) | 0 (neutral) or 1 |
 * | (0, 20) | 1 |
 * | [20, 40) | 2 |
 * | [40, 60) | 3 |
 * | [60, 80) | 4 |
 * | [80, 100) | 5 |
 * | ≥ 100 | 6 |
 */
export const GEAR_TABLE: readonly { fromKmh: number; gears: readonly number[] }[] = [
  { fromKmh: 100, gears: [6] },
  { fromKmh: 80, gears: [5] },
  { fromKmh: 60, gears: [4] },
  { fromKmh: 40, gears: [3] },
  { fromKmh: 20, gears: [2] },
  { fromKmh: 0, gears: [1] },
];

const STOPPED: readonly number[] = [0, 1];

/** The gears acceptable at `speedKmh` (see GEAR_TABLE). */
export function expectedGears(speedKmh: number): readonly number[] {
  if (speedKmh <= 0) return STOPPED;
  for (const band of GEAR_TABLE) {
    if (speedKmh >= band.fromKmh) return band.gears;
  }
  return STOPPED;
}
