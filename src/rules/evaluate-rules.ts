import type { Alert, RuleName, TelemetryEvent } from '../telemetry/event.js';
import { expectedGears } from './gear-table.js';
import type { RuleConfig } from './rule-config.js';

function makeAlert(event: TelemetryEvent, rule: RuleName, subjectId: string, values: Record<string, number>): Alert {
  return {
    alert_id: `${event.event_id}:${rule}`,
    event_id: event.event_id,
    rule,
    source_type: event.type,
    subject_id: subjectId,
    ts: event.ts,
    values,
  };
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
      const subject = String(event.car_id);
      if (speed > config.speedingKmh) {
        out.push(makeAlert(event, 'speeding', subject, { speed, threshold_kmh: config.speedingKmh }));
      }
      if (rpm > config.highRpm) out.push(makeAlert(event, 'high_rpm', subject, { rpm, threshold_rpm: config.highRpm }));
      const gears = expectedGears(speed);
      if (!gears.includes(gear)) {
        out.push(makeAlert(event, 'wrong_gear', subject, { speed, gear, expected_gear: gears[gears.length - 1]! }));
      }
      return;
    }
    case 'emergency': {
      if (event.status === 'active') {
        const location = event.location as { lat: number; lon: number };
        out.push(makeAlert(event, 'emergency', event.vehicle_id as string, { lat: location.lat, lon: location.lon }));
      }
      return;
    }
    case 'weather': {
      const aqi = event.air_quality_index as number;
      if (aqi > config.poorAqi) {
        out.push(
          makeAlert(event, 'poor_air_quality', event.vehicle_id as string, {
            air_quality_index: aqi,
            threshold_aqi: config.poorAqi,
          }),
        );
      }
      return;
    }
    default:
      return;
  }
}
