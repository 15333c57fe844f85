// The lake (Firehose → S3 Parquet → Glue → Athena), the search side (Firehose → OpenSearch) and
// the alarms, generated from schemas/ and queries/ so nothing restates a column or a query.
// resources/analytics.js hands the result to serverless.yml at package time.
import { alarms } from './alarms.js';
import { athena } from './athena.js';
import type { AnalyticsOptions, Resources } from './cfn.js';
import { operationsDashboard } from './dashboard.js';
import { deliveryLogs } from './delivery-logs.js';
import { firehoseRole } from './firehose-role.js';
import { glueCatalog } from './glue-catalog.js';
import { lakeStreams } from './lake-streams.js';
import { search } from './search.js';

export type { AnalyticsOptions, Resource, Resources } from './cfn.js';

/**
 * Every analytics resource for a stage: the Glue catalog, the lake and search Firehose streams,
 * the OpenSearch domain, Athena, alarms and a dashboard.
 *
 * @example const { Resources } = analyticsTemplate({ service: 'fleetstream', stage: 'dev', ... });
 */
export function analyticsTemplate(options: AnalyticsOptions): {
  Resources: Resources;
  Outputs: Record<string, { Value: unknown }>;
} {
  return {
    // What plugins/sls-athena-views.js needs to create the views after deploy.
    Outputs: {
      AthenaWorkGroupName: { Value: { Ref: 'AthenaWorkGroup' } },
      GlueDatabaseName: { Value: { Ref: 'GlueDatabase' } },
    },
    Resources: {
      ...glueCatalog(options),
      FirehoseRole: firehoseRole(options),
      ...deliveryLogs(options),
      ...lakeStreams(options),
      ...search(options),
      ...athena(options),
      ...alarms(options),
      ...operationsDashboard(options),
    },
  };
}
