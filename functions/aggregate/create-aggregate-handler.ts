import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { Context, KinesisStreamStateResponse, KinesisStreamTumblingWindowEvent } from 'aws-lambda';
import { streamNameFromArn } from '#src/ingest/decode-record.js';
import { addRecordsToWindows } from '#src/windows/add-records-to-windows.js';
import { toWindowState, WindowAdvance } from '#src/windows/event-time-windows.js';
import type { AggregateDeps } from '../shared/deps.js';

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
    const records = event.Records;
    const first = records[0];
    const shard = first?.eventID.split(':')[0] ?? previous.shard ?? 'unknown';
    const stream = first ? streamNameFromArn(first.eventSourceARN) : 'unknown';
    const advance = new WindowAdvance({ ...previous, shard }, deps.dimensions, deps.windows, deps.seenCache);
    const { aggregated, ignored } = addRecordsToWindows(records, advance, { stream, shard }, deps.validate, deps.rules);
    // Without `window` (a mapping with no tumblingWindowInSeconds, or an emulator that does not
    // implement tumbling windows) no state comes back next time: emit every window now, as partials.
    const window = event.window as KinesisStreamTumblingWindowEvent['window'] | undefined;
    const flush = !window || event.isFinalInvokeForWindow || event.isWindowTerminatedEarly;
    const partId = `${shard}:${window ? Date.parse(window.start) : (records[0]?.kinesis.sequenceNumber ?? 'none')}`;
    const step = advance.finish(partId, flush);
    if (step.rows.length > 0) await deps.sinks.windows.write(step.rows);
    if (step.late.length > 0) await deps.sinks.late.write(step.late);
    deps.logger.info('window step', {
      records: event.Records.length,
      aggregated,
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
