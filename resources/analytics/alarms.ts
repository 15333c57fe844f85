import { TABLES } from '#src/schema/registry.js';
import { INDEX_FAMILIES } from '#src/search/index-templates.js';
import {
  type AnalyticsOptions,
  lakeStreamName,
  pascal,
  type Resource,
  type Resources,
  ref,
  searchStreamName,
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
    const Fn = pascal(fn);
    resources[`${Fn}IteratorAgeAlarm`] = alarm({
      description: `${fn} is more than a minute behind the stream`,
      namespace: 'AWS/Lambda',
      metric: 'IteratorAge',
      dimensions: { FunctionName: `${prefix}-${fn}` },
      statistic: 'Maximum',
      comparison: 'GreaterThanThreshold',
      threshold: 60_000,
    });
    resources[`${Fn}ErrorsAlarm`] = alarm({
      description: `${fn} invocations failed`,
      namespace: 'AWS/Lambda',
      metric: 'Errors',
      dimensions: { FunctionName: `${prefix}-${fn}` },
      statistic: 'Sum',
      comparison: 'GreaterThanThreshold',
      threshold: 0,
    });
    resources[`${Fn}DeadLetterAlarm`] = alarm({
      description: `${fn} sent batches to its on-failure queue`,
      namespace: 'AWS/SQS',
      metric: 'ApproximateNumberOfMessagesVisible',
      dimensions: { QueueName: `${prefix}-${fn}-failures` },
      statistic: 'Maximum',
      comparison: 'GreaterThanThreshold',
      threshold: 0,
    });
  }
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
  for (const name of Object.keys(INDEX_FAMILIES))
    resources[`Search${pascal(name)}DeliveryAlarm`] = alarm({
      description: `Firehose could not deliver ${name} to OpenSearch`,
      namespace: 'AWS/Firehose',
      metric: 'DeliveryToAmazonOpenSearchService.Success',
      dimensions: { DeliveryStreamName: searchStreamName(options, name) },
      statistic: 'Minimum',
      comparison: 'LessThanThreshold',
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
