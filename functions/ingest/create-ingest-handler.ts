import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { Context, KinesisStreamBatchResponse, KinesisStreamEvent } from 'aws-lambda';
import { streamNameFromArn } from '#src/ingest/decode-record.js';
import { type BatchResult, processBatch } from '#src/ingest/process-batch.js';
import type { IngestDeps } from '../shared/deps.js';

function report(deps: IngestDeps, result: BatchResult, startedAt: number): void {
  const { counts } = result;
  deps.logger.info('batch processed', {
    records: counts.records,
    accepted: counts.accepted,
    rejected: counts.rejected,
    duplicates: counts.duplicates,
    redelivered: counts.redelivered,
    alerts: counts.byRule,
    rejectReasons: counts.byReason,
    failedSequenceNumber: result.failedSequenceNumber,
  });
  for (const error of result.errors) {
    deps.logger.warn('sink failed; the batch resumes at the first undelivered record', {
      sink: error.sink,
      error: error.message,
      cause: error.cause instanceof Error ? `${error.cause.name}: ${error.cause.message}` : String(error.cause ?? ''),
    });
  }
  const metrics = deps.metrics;
  if (!metrics) return;
  metrics.addMetric('RecordsIn', MetricUnit.Count, counts.records);
  metrics.addMetric('Accepted', MetricUnit.Count, counts.accepted);
  metrics.addMetric('Rejected', MetricUnit.Count, counts.rejected);
  metrics.addMetric('Duplicates', MetricUnit.Count, counts.duplicates);
  metrics.addMetric('SinkFailures', MetricUnit.Count, result.errors.length);
  metrics.addMetric('BatchLatency', MetricUnit.Milliseconds, Date.now() - startedAt);
  for (const [rule, count] of Object.entries(counts.byRule)) {
    metrics.singleMetric().addDimension('rule', rule).addMetric('Alerts', MetricUnit.Count, count);
  }
}

/**
 * Builds the ingest handler: one Kinesis shard batch in, partial batch response out. Only a
 * transient sink failure fails records, from the first one whose effects did not all land.
 *
 * @example
 *   const handler = createIngestHandler(buildIngestDeps({ sinks }));
 *   const { batchItemFailures } = await handler(kinesisEvent, context);
 */
export function createIngestHandler(deps: IngestDeps) {
  const ingest = async (event: KinesisStreamEvent, _context: Context): Promise<KinesisStreamBatchResponse> => {
    const first = event.Records[0];
    if (!first) return { batchItemFailures: [] };
    const startedAt = Date.now();
    const fresh = await deps.refreshDimensions?.();
    if (fresh) {
      deps.context.dimensions = fresh;
      deps.logger.info('dimension store: a new version is in use', { cars: fresh.size });
    }
    deps.logger.appendKeys({ shardId: first.eventID.split(':')[0], firstSequenceNumber: first.kinesis.sequenceNumber });
    const origin = {
      stream: streamNameFromArn(first.eventSourceARN),
      shardId: first.eventID.split(':')[0] ?? 'unknown',
    };
    const result = await processBatch(
      event.Records.map((record) => record.kinesis),
      origin,
      deps.context,
      deps.sinks,
    );
    report(deps, result, startedAt);
    deps.onBatch?.(result);
    return {
      batchItemFailures: result.failedSequenceNumber ? [{ itemIdentifier: result.failedSequenceNumber }] : [],
    };
  };
  const handler = middy<KinesisStreamEvent, KinesisStreamBatchResponse, Error, Context>(ingest).use(
    injectLambdaContext(deps.logger, { resetKeys: true }),
  );
  return deps.metrics ? handler.use(logMetrics(deps.metrics)) : handler;
}
