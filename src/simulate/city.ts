import type { GeoPoint } from '../telemetry/event.js';
import type { ProducedRecord } from './produced-record.js';
import { createRandom } from './random.js';

/** Options of simulateCity. */
export interface CityOptions {
  seed: number;
  startMs: number;
  vehicleId?: string;
  from?: GeoPoint;
  to?: GeoPoint;
  /** Simulated seconds between two emissions of the five streams (default 5). */
  stepSeconds?: number;
  maxEvents?: number;
  durationSeconds?: number;
}

const LONDON: GeoPoint = { lat: 51.5074, lon: -0.1278 };
const BIRMINGHAM: GeoPoint = { lat: 52.4862, lon: -1.8904 };
const CONDITIONS = ['Sunny', 'Cloudy', 'Rain', 'Snow', 'Fog'];
const INCIDENTS = ['Accident', 'Fire', 'Medical', 'Police'];

function round(value: number, digits: number): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}

/**
 * One vehicle driving from London to Birmingham (by default) until it arrives, emitting per step
 * the five smart-city streams: vehicle, gps, traffic_camera, weather and emergency. Deterministic
 * for a seed. Some steps have poor air quality and some emergencies are active, so those rules fire.
 */
export function* simulateCity(options: CityOptions): Generator<ProducedRecord> {
  const random = createRandom(options.seed);
  const vehicleId = options.vehicleId ?? 'Vehicle-CodeWithYu-123';
  const from = options.from ?? LONDON;
  const to = options.to ?? BIRMINGHAM;
  const step = options.stepSeconds ?? 5;
  const maxEvents = options.maxEvents ?? Number.POSITIVE_INFINITY;
  const maxSeconds = options.durationSeconds ?? Number.POSITIVE_INFINITY;
  const totalKm = Math.hypot(
    (to.lat - from.lat) * 111.32,
    (to.lon - from.lon) * 111.32 * Math.cos((from.lat * Math.PI) / 180),
  );
  const direction = round(((Math.atan2(to.lon - from.lon, to.lat - from.lat) * 180) / Math.PI + 360) % 360, 1);
  let travelledKm = 0;
  let produced = 0;
  let incident = 0;
  for (let second = 0; second <= maxSeconds; second += step) {
    const ms = options.startMs + second * 1000;
    const ts = new Date(ms).toISOString();
    const speed = round(40 + random() * 70, 1);
    travelledKm = Math.min(totalKm, travelledKm + (speed * step) / 3600);
    const f = travelledKm / totalKm;
    const location = {
      lat: round(from.lat + (to.lat - from.lat) * f + (random() - 0.5) * 0.0005, 6),
      lon: round(from.lon + (to.lon - from.lon) * f + (random() - 0.5) * 0.0005, 6),
    };
    const loc = JSON.stringify(location);
    const aqi = random() < 0.05 ? 151 + Math.floor(random() * 150) : Math.floor(random() * 120);
    const active = random() < 0.3;
    if (random() < 0.1) incident++;
    const id = (stream: string) => `${stream}-${vehicleId}-${ms}`;
    const records = [
      `{"type":"vehicle","event_id":"${id('vehicle')}","ts":"${ts}","vehicle_id":"${vehicleId}","location":${loc},"speed":${speed},"direction":${direction},"make":"BMW","model":"C500","year":2024,"fuel_type":"Hybrid"}`,
      `{"type":"gps","event_id":"${id('gps')}","ts":"${ts}","vehicle_id":"${vehicleId}","location":${loc},"speed":${speed},"direction":${direction},"vehicle_type":"private"}`,
      `{"type":"traffic_camera","event_id":"${id('camera')}","ts":"${ts}","vehicle_id":"${vehicleId}","camera_id":"Nikon-Cam${1 + Math.floor(random() * 200)}","location":${loc},"snapshot":"s3://fleetstream-snapshots/${vehicleId}/${ms}.jpg"}`,
      `{"type":"weather","event_id":"${id('weather')}","ts":"${ts}","vehicle_id":"${vehicleId}","location":${loc},"temperature":${round(-5 + random() * 31, 1)},"weather_condition":"${CONDITIONS[Math.floor(random() * CONDITIONS.length)]}","precipitation":${round(random() * 25, 1)},"wind_speed":${round(random() * 100, 1)},"humidity":${Math.floor(random() * 100)},"air_quality_index":${aqi}}`,
      `{"type":"emergency","event_id":"${id('emergency')}","ts":"${ts}","vehicle_id":"${vehicleId}","incident_id":"incident-${incident}","incident_type":"${INCIDENTS[incident % INCIDENTS.length]}","location":${loc},"status":"${active ? 'active' : 'resolved'}","description":"Incident ${incident} near the route"}`,
    ];
    for (const data of records) {
      if (produced++ >= maxEvents) return;
      yield { partitionKey: vehicleId, data, arrivalMs: ms };
    }
    if (travelledKm >= totalKm) return;
  }
}
