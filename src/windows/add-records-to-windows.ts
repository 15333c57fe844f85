import {
  type DecodedRecord,
  decodeRecord,
  type StreamRecordData,
  viewAcceptedRecord,
} from '../ingest/decode-record.js';
import { decodeUnits, isKplRecord } from '../ingest/record-units.js';
import { carRulesFired } from '../rules/evaluate-rules.js';
import type { RuleConfig } from '../rules/rule-config.js';
import type { EventValidator } from '../schema/validate-event.js';
import type { TelemetryEvent } from '../telemetry/event.js';
import type { WindowAdvance } from './event-time-windows.js';

/** What a batch gave the windows: car_sensor readings aggregated (duplicates and late ones included), records ignored. */
export interface RecordsAdded {
  aggregated: number;
  ignored: number;
}

/**
 * Adds the car_sensor readings of a batch of Kinesis records to the windows, each as it is decoded:
 * nothing per record is kept for the batch. A record counts exactly as ingest judges it: a plain
 * record that ingest's fast path accepts is read in place (viewAcceptedRecord), any other as
 * ingest decodes it (decodeRecord), a KPL aggregate's user records as ingest reads them. Records
 * ingest rejects, and other event types, are ingest's to handle: here they are only counted.
 *
 * @example const { aggregated, ignored } = addRecordsToWindows(event.Records, advance, { stream, shard }, validate, rules);
 */
export function addRecordsToWindows(
  records: readonly { kinesis: StreamRecordData }[],
  advance: WindowAdvance,
  source: { stream: string; shard: string },
  validate: EventValidator,
  rules: RuleConfig,
): RecordsAdded {
  const added: RecordsAdded = { aggregated: 0, ignored: 0 };
  const add = (event: TelemetryEvent) => {
    if (event.type !== 'car_sensor') {
      added.ignored++;
      return;
    }
    const speed = event.speed as number;
    const rpm = event.rpm as number;
    const fired = carRulesFired(speed, rpm, event.gear as number, rules);
    advance.add(event.event_id, event.ts, event.car_id as number, speed, rpm, fired);
    added.aggregated++;
  };
  const take = (decoded: DecodedRecord) => {
    if (decoded.ok) add(decoded.event);
    else added.ignored++;
  };
  for (let r = 0; r < records.length; r++) {
    const kinesis = records[r]!.kinesis;
    if (isKplRecord(kinesis.data)) {
      for (const { decoded } of decodeUnits(kinesis, source.stream, source.shard, validate).units) take(decoded);
      continue;
    }
    const view = viewAcceptedRecord(kinesis, validate);
    if (view !== undefined) add(view);
    else take(decodeRecord(kinesis, source.stream, source.shard, validate));
  }
  return added;
}
