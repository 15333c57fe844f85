import type { Alert, RuleName, TelemetryEvent } from '../telemetry/event.js';
import { plainConstructor } from '../telemetry/plain-object.js';
import { expectedGears } from './gear-table.js';
import type { RuleConfig } from './rule-config.js';

function makeAlert(event: TelemetryEvent, rule: RuleName, subjectId: string, values: Record<string, number>): Alert {
  return new AlertObject(`${event.event_id}:${rule}`, event.event_id, rule, event.type, subjectId, event.ts, values);
}

/** An Alert, by a constructor rather than a literal (plainConstructor says why): a batch's alerts live while it runs. */
const AlertObject = plainConstructor(function (
  this: Alert,
  alert_id: string,
  event_id: string,
  rule: RuleName,
  source_type: Alert['source_type'],
  subject_id: string,
  ts: Alert['ts'],
  values: Record<string, number>,
) {
  this.alert_id = alert_id;
  this.event_id = event_id;
  this.rule = rule;
  this.source_type = source_type;
  this.subject_id = subject_id;
  this.ts = ts;
  this.values = values;
});

/** An alert's values, in the order given: a plain object made without a literal (see plainConstructor). */
function valuesOf(...pairs: (string | number)[]): Record<string, number> {
  const object = Object.create(Object.prototype) as Record<string, number>;
  for (let p = 0; p < pairs.length; p += 2) object[pairs[p] as string] = pairs[p + 1] as number;
  return object;
}

/**
 * The car rules a reading fires, one bit each (a bitmask, not names: the aggregate counts them per
 * record and needs no alert objects): `speeding`, `high_rpm`, `wrong_gear` as evaluateRules decides them.
 *
 * @example if (carRulesFired(speed, rpm, gear, config) & CAR_RULE_BITS.speeding) speeding++;
 */
export const CAR_RULE_BITS = { speeding: 1, high_rpm: 2, wrong_gear: 4 } as const;

/** The CAR_RULE_BITS of the car rules a car_sensor reading fires. */
export function carRulesFired(speed: number, rpm: number, gear: number, config: RuleConfig): number {
  let fired = 0;
  if (speed > config.speedingKmh) fired |= CAR_RULE_BITS.speeding;
  if (rpm > config.highRpm) fired |= CAR_RULE_BITS.high_rpm;
  if (!expectedGears(speed).includes(gear)) fired |= CAR_RULE_BITS.wrong_gear;
  return fired;
}

/**
 * Evaluates the stateless rules on one validated event and appends any alerts to `out`
 * (appending avoids an array per event on the hot path). `gps_jump` needs the previous point of
 * the trajectory and lives in `TrajectoryTracker`.
 *
 * @example
 *   const alerts: Alert[] = [];
 *   evaluateRules(event, DEFAULT_RULE_CONFIG, alerts);
 */
export function evaluateRules(event: TelemetryEvent, config: RuleConfig, out: Alert[]): void {
  switch (event.type) {
    case 'car_sensor': {
      const speed = event.speed as number;
      const rpm = event.rpm as number;
      const gear = event.gear as number;
      const fired = carRulesFired(speed, rpm, gear, config);
      if (fired === 0) return;
      const subject = String(event.car_id);
      if (fired & CAR_RULE_BITS.speeding) {
        out.push(makeAlert(event, 'speeding', subject, valuesOf('speed', speed, 'threshold_kmh', config.speedingKmh)));
      }
      if (fired & CAR_RULE_BITS.high_rpm) {
        out.push(makeAlert(event, 'high_rpm', subject, valuesOf('rpm', rpm, 'threshold_rpm', config.highRpm)));
      }
      if (fired & CAR_RULE_BITS.wrong_gear) {
        const gears = expectedGears(speed);
        out.push(
          makeAlert(
            event,
            'wrong_gear',
            subject,
            valuesOf('speed', speed, 'gear', gear, 'expected_gear', gears.at(-1)!),
          ),
        );
      }
      return;
    }
    case 'emergency': {
      if (event.status === 'active') {
        const location = event.location as { lat: number; lon: number };
        out.push(
          makeAlert(event, 'emergency', event.vehicle_id as string, valuesOf('lat', location.lat, 'lon', location.lon)),
        );
      }
      return;
    }
    case 'weather': {
      const aqi = event.air_quality_index as number;
      if (aqi > config.poorAqi) {
        out.push(
          makeAlert(
            event,
            'poor_air_quality',
            event.vehicle_id as string,
            valuesOf('air_quality_index', aqi, 'threshold_aqi', config.poorAqi),
          ),
        );
      }
      return;
    }
    default:
      return;
  }
}
