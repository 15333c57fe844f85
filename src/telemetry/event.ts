import type { EventType } from '../schema/registry.js';

/** A location as every schema defines it. */
export interface GeoPoint {
  lat: number;
  lon: number;
}

/**
 * A validated, normalised event: the producer's JSON object with `event_id` filled in and
 * `ts` converted to epoch milliseconds. Unknown extra fields stay on the object; the lake and
 * search writers project the schema's columns, so extras are ignored downstream.
 */
export interface TelemetryEvent {
  type: EventType;
  event_id: string;
  /** Event time, epoch milliseconds (UTC). */
  ts: number;
  [field: string]: unknown;
}

/** Where a record came from, so a reject can be traced back to it. */
export interface RecordSource {
  stream: string;
  shard_id: string;
  partition_key: string;
  sequence_number: string;
}

/**
 * A record that broke a rule. `reason` is `<rule>:<detail>`, e.g. `schema:/speed:minimum`,
 * `json:parse`, `size:max_bytes`, `type:unknown`.
 */
export interface Reject {
  /** Derived position id `<stream>/<partition key>/<sequence number>`. */
  reject_id: string;
  reason: string;
  message: string;
  source: RecordSource;
  /** The event_id when the payload had one. */
  event_id: string | null;
  type: string | null;
  /** The whole payload as text, when its bytes are UTF-8 (to be fixed and sent again). */
  payload?: string;
  /** The whole payload's bytes as base64, when they are not UTF-8 text. */
  payload_base64?: string;
  /** Set when the payload was over Kinesis's 1 MiB and only its first 1 MiB is kept. */
  payload_truncated?: boolean;
}

/** A record whose event_id was already accepted from another record. */
export interface Duplicate {
  event_id: string;
  type: string;
  source: RecordSource;
}

/** The rules ingest evaluates; the names are part of the contract. */
export const RULES = ['speeding', 'high_rpm', 'wrong_gear', 'emergency', 'poor_air_quality', 'gps_jump'] as const;

/** A rule name. */
export type RuleName = (typeof RULES)[number];

/** An alert raised by a rule (schemas/alert.schema.json). */
export interface Alert {
  /** `<event_id>:<rule>`: stable across replays. */
  alert_id: string;
  event_id: string;
  rule: RuleName;
  source_type: EventType;
  subject_id: string;
  /** Event time of the source event, epoch milliseconds. */
  ts: number;
  values: Record<string, number>;
}
