import { RULES } from '#src/telemetry/event.js';
import { type AnalyticsOptions, type Resources, stackPrefix, sub } from './cfn.js';

/** A 12×6 time-series widget of the operations dashboard. */
function widget(title: string, metrics: unknown[][], y: number, x: number) {
  return {
    type: 'metric',
    x,
    y,
    width: 12,
    height: 6,
    properties: { title, metrics, view: 'timeSeries', region: '${AWS::Region}', stat: 'Sum', period: 60 },
  };
}

/** The CloudWatch operations dashboard: records in and out, alerts by rule, iterator age, batch latency. */
export function operationsDashboard(options: AnalyticsOptions): Resources {
  const prefix = stackPrefix(options);
  const ingestMetric = (name: string) => ['fleetstream', name, 'service', 'ingest', 'stage', options.stage];
  const body = {
    widgets: [
      widget(
        'Records in, accepted, rejected',
        ['RecordsIn', 'Accepted', 'Rejected', 'Duplicates'].map(ingestMetric),
        0,
        0,
      ),
      widget(
        'Alerts by rule',
        RULES.map((rule) => [...ingestMetric('Alerts'), 'rule', rule]),
        0,
        12,
      ),
      widget(
        'Iterator age (ms)',
        ['ingest', 'aggregate'].map((fn) => [
          'AWS/Lambda',
          'IteratorAge',
          'FunctionName',
          `${prefix}-${fn}`,
          { stat: 'Maximum' },
        ]),
        6,
        0,
      ),
      widget('Batch latency (ms)', [[...ingestMetric('BatchLatency'), { stat: 'p99' }]], 6, 12),
    ],
  };
  return {
    OperationsDashboard: {
      Type: 'AWS::CloudWatch::Dashboard',
      Properties: { DashboardName: `${prefix}-operations`, DashboardBody: sub(JSON.stringify(body)) },
    },
  };
}
