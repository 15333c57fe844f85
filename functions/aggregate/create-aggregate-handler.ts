import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { Context, KinesisStreamStateResponse, KinesisStreamTumblingWindowEvent } from 'aws-lambda';
import { type DecodedRecord, decodeRecord, streamNameFromArn } from '#src/ingest/decode-record.js';
import { decodeUnits, isKplRecord } from '#src/ingest/record-units.js';
import { evaluateRules } from '#src/rules/evaluate-rules.js';
import type { Alert } from '#src/telemetry/event.js';
import { advanceWindows, toWindowState, type WindowInput } from '#src/windows/event-time-windows.js';
import type { AggregateDeps } from '../shared/deps.js';

/** The rules a record fired when it fired none: one shared array instead of one per record. */
const NO_RULES: readonly string[] = Object.freeze([]);

/**
 * Builds the aggregate handler: Lambda tumbling windows (`tumblingWindowInSeconds`) carry the
 * event-time window state between invocations; closed windows are written as they close, open
 * ones when Lambda ends its window. A sink failure throws, so Lambda retries the batch with the
 * previous state and the rows (ids stable per shard and Lambda window) are written once.
 *
 * @example
 *   const handler = createAggregateHandler(buildAggregateDeps({ sinks }));
 *   const { state } = await handler(tumblingWindowEvent, context);
 */
export function createAggregateHandler(deps: AggregateDeps) {
  const aggregate = async (
    event: KinesisStreamTumblingWindowEvent,
    _context: Context,
  ): Promise<KinesisStreamStateResponse> => {
    const previous = toWindowState(event.state);
    const first = event.Records[0];
    const shard = first?.eventID.split(':')[0] ?? previous.shard ?? 'unknown';
    const stream = first ? streamNameFromArn(first.eventSourceARN) : 'unknown';
    const inputs: WindowInput[] = [];
    const alerts: Alert[] = [];
    let ignored = 0;
    const take = (decoded: DecodedRecord) => {
      if (!decoded.ok || decoded.event.type !== 'car_sensor') {
        ignored++;
        return;
      }
      alerts.length = 0;
      evaluateRules(decoded.event, deps.rules, alerts);
      inputs.push({ event: decoded.event, rules: alerts.length === 0 ? NO_RULES : alerts.map((alert) => alert.rule) });
    };
    for (const record of event.Records) {
      // Bad records are ingest's to reject; here they are only counted. A plain record is decoded
      // as ingest decodes it (no units to allocate), a KPL aggregate's user records as ingest reads them.
      if (!isKplRecord(record.kinesis.data)) take(decodeRecord(record.kinesis, stream, shard, deps.validate));
      else for (const { decoded } of decodeUnits(record.kinesis, stream, shard, deps.validate).units) take(decoded);
    }
    // Without `window` (a mapping with no tumblingWindowInSeconds, or an emulator that does not
    // implement tumbling windows) no state comes back next time: emit every window now, as partials.
    const window = event.window as KinesisStreamTumblingWindowEvent['window'] | undefined;
    const flush = !window || event.isFinalInvokeForWindow || event.isWindowTerminatedEarly;
    const partId = `${shard}:${window ? Date.parse(window.start) : (event.Records[0]?.kinesis.sequenceNumber ?? 'none')}`;
    const step = advanceWindows(
      { ...previous, shard },
      inputs,
      deps.dimensions,
      deps.windows,
      partId,
      flush,
      deps.seenCache,
    );
    if (step.rows.length > 0) await deps.sinks.windows.write(step.rows);
    if (step.late.length > 0) await deps.sinks.late.write(step.late);
    deps.logger.info('window step', {
      records: event.Records.length,
      aggregated: inputs.length,
      ignored,
      late: step.late.length,
      duplicates: step.duplicates,
      unchecked: step.state.unchecked,
      rowsWritten: step.rows.length,
      openWindows: Object.keys(step.state.open).length,
      final: flush,
    });
    deps.metrics?.addMetric('WindowRows', MetricUnit.Count, step.rows.length);
    deps.metrics?.addMetric('LateRecords', MetricUnit.Count, step.late.length);
    deps.metrics?.addMetric('DuplicatesSkipped', MetricUnit.Count, step.duplicates);
    // A new Lambda window starts from {}: hand back an empty state after the final invoke.
    return { state: flush ? {} : { ...step.state } };
  };
  const handler = middy<KinesisStreamTumblingWindowEvent, KinesisStreamStateResponse, Error, Context>(aggregate).use(
    injectLambdaContext(deps.logger, { resetKeys: true }),
  );
  return deps.metrics ? handler.use(logMetrics(deps.metrics)) : handler;
}
