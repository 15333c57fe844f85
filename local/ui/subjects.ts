import type { EventType } from '#src/schema/registry.js';
import type { SubjectKind } from './dashboard-messages.js';

/** How events of one type place a subject on the map: its kind and the field that names it. */
export interface SubjectSource {
  kind: SubjectKind;
  idField: string;
  /** The field with a speed in km/h, when the type has one. */
  speedField: string | null;
}

/**
 * The event types with a `location`, and whose position each gives: a car of the fleet, the city
 * trip's vehicle (its five streams all carry the vehicle's position), a Geolife user.
 */
export const SUBJECT_SOURCES: Partial<Record<EventType, SubjectSource>> = {
  car_sensor: { kind: 'car', idField: 'car_id', speedField: 'speed' },
  gps: { kind: 'vehicle', idField: 'vehicle_id', speedField: 'speed' },
  vehicle: { kind: 'vehicle', idField: 'vehicle_id', speedField: 'speed' },
  traffic_camera: { kind: 'vehicle', idField: 'vehicle_id', speedField: null },
  weather: { kind: 'vehicle', idField: 'vehicle_id', speedField: null },
  emergency: { kind: 'vehicle', idField: 'vehicle_id', speedField: null },
  trajectory_point: { kind: 'user', idField: 'user_id', speedField: null },
};

/**
 * The map subject an alert is about: its `subject_id` is a car id, a vehicle id, or
 * `<user>/<trajectory>` for Geolife (gps_jump), whose marker is the user's.
 */
export function subjectOfAlert(sourceType: string, subjectId: string): { kind: SubjectKind; id: string } | null {
  const source = SUBJECT_SOURCES[sourceType as EventType];
  if (!source) return null;
  return { kind: source.kind, id: source.kind === 'user' ? subjectId.split('/')[0]! : subjectId };
}

/** A subject's label from an enriched event (a car's make, model and colour), or null. */
export function labelOf(kind: SubjectKind, event: Record<string, unknown>): string | null {
  if (typeof event.model !== 'string') return null;
  // The cars dimension's model already names the make ("Mazda 3"); a city vehicle's does not ("C500").
  const name =
    typeof event.make === 'string' && !event.model.startsWith(event.make)
      ? `${event.make} ${event.model}`
      : event.model;
  return kind === 'car' && typeof event.color === 'string' ? `${name}, ${event.color}` : name;
}
