import { TABLES } from '#src/schema/registry.js';
import {
  type AnalyticsOptions,
  lakeStreamName,
  pascal,
  type Resource,
  type Resources,
  ref,
  stackPrefix,
} from './cfn.js';

/** What one alarm watches and when it fires; every alarm notifies the ops topic on ALARM and OK. */
export interface AlarmSpec {
  description: string;
  namespace: string;
  metric: string;
  dimensions: Record<string, unknown>;
  statistic: 'Maximum' | 'Minimum' | 'Sum';
  comparison: 'GreaterThanThreshold' | 'GreaterThanOrEqualToThreshold' | 'LessThanThreshold';
  threshold: number;
}

/**
 * A CloudWatch alarm over 5 minutes to the ops topic (resources/streaming.yml), missing data not breaching.
 *
 * @example alarm({ description: 'ingest failed', namespace: 'AWS/Lambda', metric: 'Errors', dimensions: { FunctionName: 'f' }, statistic: 'Sum', comparison: 'GreaterThanThreshold', threshold: 0 })
 */
export function alarm(spec: AlarmSpec): Resource {
  return {
    Type: 'AWS::CloudWatch::Alarm',
    Properties: {
      AlarmDescription: spec.description,
      Namespace: spec.namespace,
      MetricName: spec.metric,
      Dimensions: Object.entries(spec.dimensions).map(([Name, Value]) => ({ Name, Value })),
      Statistic: spec.statistic,
      Period: 300,
      EvaluationPeriods: 1,
      ComparisonOperator: spec.comparison,
      Threshold: spec.threshold,
      TreatMissingData: 'notBreaching',
      AlarmActions: [ref('OpsTopic')],
      OKActions: [ref('OpsTopic')],
    },
  };
}

/** Alarms on the functions (iterator age, errors, on-failure queues), Firehose delivery and the search cluster. */
export function alarms(options: AnalyticsOptions): Resources {
  const prefix = stackPrefix(options);
  const resources: Resources = {};
  for (const fn of ['ingest', 'aggregate']) {
    const name = `${prefix}-${fn}`;
    const perFunction: Record<string, Omit<AlarmSpec, 'statistic' | 'comparison'> & Partial<AlarmSpec>> = {
      IteratorAge: {
        description: `${fn} is more than a minute behind the stream`,
        namespace: 'AWS/Lambda',
        metric: 'IteratorAge',
        dimensions: { FunctionName: name },
        threshold: 60_000,
      },
      Errors: {
        description: `${fn} invocations failed`,
        namespace: 'AWS/Lambda',
        metric: 'Errors',
        dimensions: { FunctionName: name },
        statistic: 'Sum',
        threshold: 0,
      },
      DeadLetter: {
        description: `${fn} sent batches to its on-failure queue`,
        namespace: 'AWS/SQS',
        metric: 'ApproximateNumberOfMessagesVisible',
        dimensions: { QueueName: `${name}-failures` },
        threshold: 0,
      },
    };
    for (const [kind, spec] of Object.entries(perFunction))
      resources[`${pascal(fn)}${kind}Alarm`] = alarm({
        statistic: 'Maximum',
        comparison: 'GreaterThanThreshold',
        ...spec,
      });
  }
  // Firehose delivery below 100 % in 5 minutes: a lake stream whose records do not reach S3.
  for (const table of TABLES)
    resources[`Lake${pascal(table)}DeliveryAlarm`] = alarm({
      description: `Firehose could not deliver ${table} to S3`,
      namespace: 'AWS/Firehose',
      metric: 'DeliveryToS3.Success',
      dimensions: { DeliveryStreamName: lakeStreamName(options, table) },
      statistic: 'Minimum',
      comparison: 'LessThanThreshold',
      threshold: 1,
    });
  // ingest and aggregate index directly: writes blocked (disk full, memory pressure) fail their batches.
  resources.SearchWritesBlockedAlarm = alarm({
    description: 'the OpenSearch cluster blocks index writes',
    namespace: 'AWS/ES',
    metric: 'ClusterIndexWritesBlocked',
    dimensions: { DomainName: ref('SearchDomain'), ClientId: ref('AWS::AccountId') },
    statistic: 'Maximum',
    comparison: 'GreaterThanOrEqualToThreshold',
    threshold: 1,
  });
  resources.SearchClusterRedAlarm = alarm({
    description: 'the OpenSearch cluster is red',
    namespace: 'AWS/ES',
    metric: 'ClusterStatus.red',
    dimensions: { DomainName: ref('SearchDomain'), ClientId: ref('AWS::AccountId') },
    statistic: 'Maximum',
    comparison: 'GreaterThanOrEqualToThreshold',
    threshold: 1,
  });
  return resources;
}
