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
  // Firehose delivery below 100 % in 5 minutes: a stream whose records do not reach S3 or OpenSearch.
  const deliveries = [
    ...TABLES.map((table) => ({
      id: `Lake${pascal(table)}`,
      what: table,
      to: 'S3',
      stream: lakeStreamName(options, table),
    })),
    ...Object.keys(INDEX_FAMILIES).map((name) => ({
      id: `Search${pascal(name)}`,
      what: name,
      to: 'AmazonOpenSearchService',
      stream: searchStreamName(options, name),
    })),
  ];
  for (const { id, what, to, stream } of deliveries)
    resources[`${id}DeliveryAlarm`] = alarm({
      description: `Firehose could not deliver ${what} to ${to === 'S3' ? 'S3' : 'OpenSearch'}`,
      namespace: 'AWS/Firehose',
      metric: `DeliveryTo${to}.Success`,
      dimensions: { DeliveryStreamName: stream },
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
