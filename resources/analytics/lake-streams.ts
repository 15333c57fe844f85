import { partitionTimeColumn } from '#src/schema/columns.js';
import { rawTableName } from '#src/schema/dedupe-views.js';
import { TABLES } from '#src/schema/registry.js';
import {
  type AnalyticsOptions,
  deliveryLogGroupName,
  getAtt,
  lakeStreamName,
  pascal,
  type Resources,
  ref,
} from './cfn.js';

/**
 * The Parquet codec Firehose's format conversion writes the lake with (ParquetSerDe `Compression`:
 * UNCOMPRESSED, GZIP or SNAPPY, the default; https://docs.aws.amazon.com/firehose/latest/APIReference/API_ParquetSerDe.html).
 * The local lake stand-in writes its files with the same codec (local/lake/local-lake.ts).
 */
export const LAKE_PARQUET_COMPRESSION = 'SNAPPY';

/**
 * One Firehose stream per lake table: many events per record (ingest packs them), de-aggregated,
 * partitioned by the event's own day and hour (JQ on the time column, epoch ms), converted to Parquet
 * with the Glue table's schema. Firehose bills per record rounded up to 5 KB, so packing matters.
 */
export function lakeStreams(options: AnalyticsOptions): Resources {
  const resources: Resources = {};
  for (const table of TABLES) {
    const time = partitionTimeColumn(table);
    resources[`Lake${pascal(table)}Stream`] = {
      Type: 'AWS::KinesisFirehose::DeliveryStream',
      Properties: {
        DeliveryStreamName: lakeStreamName(options, table),
        DeliveryStreamType: 'DirectPut',
        DeliveryStreamEncryptionConfigurationInput: { KeyType: 'AWS_OWNED_CMK' },
        ExtendedS3DestinationConfiguration: {
          BucketARN: getAtt('LakeBucket', 'Arn'),
          RoleARN: getAtt('FirehoseRole', 'Arn'),
          Prefix: `${table}/dt=!{partitionKeyFromQuery:dt}/hour=!{partitionKeyFromQuery:hour}/`,
          ErrorOutputPrefix: `errors/${table}/!{firehose:error-output-type}/dt=!{timestamp:yyyy-MM-dd}/`,
          BufferingHints: { SizeInMBs: options.lakeBufferSizeMb, IntervalInSeconds: options.lakeBufferIntervalSeconds },
          // Parquet compresses itself (Snappy); Firehose requires UNCOMPRESSED with format conversion.
          CompressionFormat: 'UNCOMPRESSED',
          DataFormatConversionConfiguration: {
            Enabled: true,
            InputFormatConfiguration: { Deserializer: { OpenXJsonSerDe: {} } },
            OutputFormatConfiguration: { Serializer: { ParquetSerDe: { Compression: LAKE_PARQUET_COMPRESSION } } },
            SchemaConfiguration: {
              CatalogId: ref('AWS::AccountId'),
              DatabaseName: ref('GlueDatabase'),
              TableName: rawTableName(table),
              Region: ref('AWS::Region'),
              RoleARN: getAtt('FirehoseRole', 'Arn'),
              VersionId: 'LATEST',
            },
          },
          DynamicPartitioningConfiguration: { Enabled: true, RetryOptions: { DurationInSeconds: 300 } },
          ProcessingConfiguration: {
            Enabled: true,
            Processors: [
              { Type: 'RecordDeAggregation', Parameters: [{ ParameterName: 'SubRecordType', ParameterValue: 'JSON' }] },
              {
                Type: 'MetadataExtraction',
                Parameters: [
                  {
                    ParameterName: 'MetadataExtractionQuery',
                    ParameterValue: `{dt: (.${time} / 1000 | strftime("%Y-%m-%d")), hour: (.${time} / 1000 | strftime("%H"))}`,
                  },
                  { ParameterName: 'JsonParsingEngine', ParameterValue: 'JQ-1.6' },
                ],
              },
            ],
          },
          CloudWatchLoggingOptions: {
            Enabled: true,
            LogGroupName: deliveryLogGroupName(options),
            LogStreamName: `lake-${table}`,
          },
        },
      },
    };
  }
  return resources;
}
