import { glueType, PARTITION_KEYS, tableColumns } from '#src/schema/columns.js';
import { rawTableName } from '#src/schema/dedupe-views.js';
import { TABLES } from '#src/schema/registry.js';
import { eventDayRange } from '#src/telemetry/event-time-range.js';
import { type AnalyticsOptions, pascal, type Resources, ref, sub } from './cfn.js';

/**
 * The Glue database and one table per lake table (columns from schemas/), with partition
 * projection on dt and hour so new partitions are queryable at once, without a crawler.
 *
 * Projection covers exactly the days of the event times the schemas accept (2000-01-01 to
 * 2100-01-01): Athena sees no partition outside the declared range, so a narrower range would hide
 * accepted events (real Geolife data is 2007-2012). That is 36,526 days × 24 hours of possible
 * partitions, and Athena looks in every one a query does not rule out ("configure a range that
 * matches your data as closely as possible"): constrain `dt` in queries over a large lake.
 * https://docs.aws.amazon.com/athena/latest/ug/partition-projection-kinesis-firehose-example-using-the-date-type.html
 *
 * These are the raw tables Firehose converts into (`<table>_raw`, every row at least once); the views
 * `<table>` that queries read show each row once (src/schema/dedupe-views.ts) and are created in
 * Athena after deploy (plugins/sls-athena-views.js).
 */
export function glueCatalog(options: AnalyticsOptions): Resources {
  const days = eventDayRange();
  const resources: Resources = {
    GlueDatabase: {
      Type: 'AWS::Glue::Database',
      Properties: {
        CatalogId: ref('AWS::AccountId'),
        DatabaseInput: {
          Name: `${options.service}_${options.stage}`.replaceAll('-', '_'),
          Description: 'fleetstream lake: one table per event type, alerts and window aggregates',
        },
      },
    },
  };
  for (const table of TABLES) {
    resources[`Glue${pascal(table)}Table`] = {
      Type: 'AWS::Glue::Table',
      Properties: {
        CatalogId: ref('AWS::AccountId'),
        DatabaseName: ref('GlueDatabase'),
        TableInput: {
          Name: rawTableName(table),
          TableType: 'EXTERNAL_TABLE',
          Parameters: {
            classification: 'parquet',
            'projection.enabled': 'true',
            'projection.dt.type': 'date',
            'projection.dt.format': 'yyyy-MM-dd',
            'projection.dt.range': `${days.first},${days.last}`,
            'projection.dt.interval': '1',
            'projection.dt.interval.unit': 'DAYS',
            'projection.hour.type': 'integer',
            'projection.hour.range': '0,23',
            'projection.hour.digits': '2',
            'storage.location.template': sub(`s3://\${LakeBucket}/${table}/dt=\${!dt}/hour=\${!hour}/`),
          },
          PartitionKeys: PARTITION_KEYS.map((key) => ({ Name: key.name, Type: glueType(key) })),
          StorageDescriptor: {
            Columns: tableColumns(table).map((column) => ({ Name: column.name, Type: glueType(column) })),
            Location: sub(`s3://\${LakeBucket}/${table}/`),
            InputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat',
            OutputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat',
            SerdeInfo: { SerializationLibrary: 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe' },
          },
        },
      },
    };
  }
  return resources;
}
