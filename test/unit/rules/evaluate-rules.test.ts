import { CAR_RULE_BITS, carRulesFired, evaluateRules } from '#src/rules/evaluate-rules.js';
import { expectedGears } from '#src/rules/gear-table.js';
import { DEFAULT_RULE_CONFIG } from '#src/rules/rule-config.js';
import type { Alert, TelemetryEvent } from '#src/telemetry/event.js';

const base = { event_id: 'e-1', ts: 1_795_507_200_000 };
const car = (speed: number, rpm: number, gear: number): TelemetryEvent => ({
  ...base,
  type: 'car_sensor',
  car_id: 1452650,
  speed,
  rpm,
  gear,
});

function rulesFired(event: TelemetryEvent, config = DEFAULT_RULE_CONFIG): string[] {
  const out: Alert[] = [];
  evaluateRules(event, config, out);
  return out.map((alert) => alert.rule);
}

describe('Function: evaluateRules()', () => {
  it.each([
    [119.9, false],
    [120, false],
    [120.1, true],
    [200, true],
  ])('speeding at %s km/h fires: %s', (speed, fires) => {
    expect(rulesFired(car(speed, 3000, 6)).includes('speeding')).toBe(fires);
  });

  it.each([
    [5999, false],
    [6000, false],
    [6001, true],
  ])('high_rpm at %s rpm fires: %s', (rpm, fires) => {
    expect(rulesFired(car(110, rpm, 6)).includes('high_rpm')).toBe(fires);
  });

  it.each([
    [0, 0, false],
    [0, 1, false],
    [0, 2, true],
    [19.9, 1, false],
    [20, 1, true],
    [20, 2, false],
    [59.9, 3, false],
    [60, 4, false],
    [99.9, 5, false],
    [100, 5, true],
    [100, 6, false],
    [130, 6, false],
  ])('wrong_gear at %s km/h in gear %s fires: %s', (speed, gear, fires) => {
    expect(rulesFired(car(speed, 2000, gear)).includes('wrong_gear')).toBe(fires);
  });

  it('takes thresholds from configuration', () => {
    expect(rulesFired(car(101, 2000, 6), { ...DEFAULT_RULE_CONFIG, speedingKmh: 100 })).toEqual(['speeding']);
  });

  it('carries the source event, subject and the values that fired it', () => {
    // Prepare
    const out: Alert[] = [];

    // Act
    evaluateRules(car(130, 6500, 6), DEFAULT_RULE_CONFIG, out);

    // Assess
    expect(out).toEqual([
      {
        alert_id: 'e-1:speeding',
        event_id: 'e-1',
        rule: 'speeding',
        source_type: 'car_sensor',
        subject_id: '1452650',
        ts: base.ts,
        values: { speed: 130, threshold_kmh: 120 },
      },
      expect.objectContaining({ rule: 'high_rpm', values: { rpm: 6500, threshold_rpm: 6000 } }),
    ]);
  });

  it.each([
    ['active', ['emergency']],
    ['resolved', []],
  ])('emergency with status %s fires %j', (status, expected) => {
    const event: TelemetryEvent = {
      ...base,
      type: 'emergency',
      vehicle_id: 'v-1',
      status,
      location: { lat: 1, lon: 2 },
    };
    expect(rulesFired(event)).toEqual(expected);
  });

  it.each([
    [150, false],
    [150.5, true],
  ])('poor_air_quality at AQI %s fires: %s', (aqi, fires) => {
    const event: TelemetryEvent = { ...base, type: 'weather', vehicle_id: 'v-1', air_quality_index: aqi };
    expect(rulesFired(event).includes('poor_air_quality')).toBe(fires);
  });
});

describe('Function: expectedGears()', () => {
  it('covers every speed with at least one gear', () => {
    for (let speed = 0; speed <= 500; speed += 0.5) expect(expectedGears(speed).length).toBeGreaterThan(0);
  });
});

describe('Function: carRulesFired()', () => {
  it.each([
    [50, 2000, 3],
    [120.1, 3000, 6],
    [110, 6001, 6],
    [50, 2000, 5],
    [0, 800, 0],
    [0, 800, 2],
    [165, 7000, 1],
  ])('at %s km/h, %s rpm, gear %s fires the rules evaluateRules alerts on', (speed, rpm, gear) => {
    // Act
    const fired = carRulesFired(speed, rpm, gear, DEFAULT_RULE_CONFIG);
    // Assess
    const names = Object.entries(CAR_RULE_BITS)
      .filter(([, bit]) => fired & bit)
      .map(([name]) => name);
    expect(names).toEqual(rulesFired(car(speed, rpm, gear)));
  });
});
