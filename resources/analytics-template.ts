// The lake (Firehose → S3 Parquet → Glue → Athena), the search side (Firehose → OpenSearch) and
// the alarms, generated from schemas/ and queries/ so nothing restates a column or a query.
// resources/analytics.js hands the result to serverless.yml at package time.
import { glueType, PARTITION_KEYS, partitionTimeColumn, tableColumns } from '../src/schema/columns.js';
import { TABLES, type TableName } from '../src/schema/registry.js';
import { INDEX_FAMILIES } from '../src/search/index-templates.js';
import { deliveryStreamName, deliveryStreamPrefixes } from '../src/sinks/delivery-streams.js';

/** A CloudFormation resource. */
export interface Resource {
  Type: string;
  Condition?: string;
  DependsOn?: string[];
  Properties: Record<string, unknown>;
}

/** What the template needs from serverless.yml (the stage's params) and queries/. */
export interface AnalyticsOptions {
  service: string;
  stage: string;
  lakeBufferSizeMb: number;
  lakeBufferIntervalSeconds: number;
  searchInstanceType: string;
  searchInstanceCount: number;
  searchVolumeGb: number;
  athenaBytesScannedCutoff: number;
  logRetentionInDays: number;
  namedQueries: { name: string; description: string; sql: string }[];
}

/** CloudFormation's `Fn::Sub`, `Ref` and `Fn::GetAtt` as plain objects. */
const sub = (text: string) => ({ 'Fn::Sub': text });
const ref = (id: string) => ({ Ref: id });
const getAtt = (id: string, attribute: string) => ({ 'Fn::GetAtt': [id, attribute] });

/** `car_sensor` → `CarSensor`, for logical ids. */
const pascal = (name: string) =>
  name
    .split(/[_-]/)
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('');

/** The Firehose stream that carries a lake table (the functions find it by the same rule). */
function lakeStreamName(service: string, stage: string, table: TableName): string {
  return deliveryStreamName(deliveryStreamPrefixes(service, stage).lake, table);
}

/** The Firehose stream that carries an index family to OpenSearch. */
function searchStreamName(service: string, stage: string, family: string): string {
  return deliveryStreamName(deliveryStreamPrefixes(service, stage).search, family);
}

/** An encrypted, private bucket that refuses plain HTTP, with the given lifecycle rules. */
function privateBucket(id: string, name: string, lifecycle: Record<string, unknown>[]): Record<string, Resource> {
  return {
    [id]: {
      Type: 'AWS::S3::Bucket',
      Properties: {
        BucketName: sub(`${name}-\${AWS::AccountId}-\${AWS::Region}`),
        BucketEncryption: {
          ServerSideEncryptionConfiguration: [
            { ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms' }, BucketKeyEnabled: true },
          ],
        },
        PublicAccessBlockConfiguration: {
          BlockPublicAcls: true,
          BlockPublicPolicy: true,
          IgnorePublicAcls: true,
          RestrictPublicBuckets: true,
        },
        OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
        LifecycleConfiguration: { Rules: lifecycle },
      },
    },
    [`${id}TlsOnly`]: {
      Type: 'AWS::S3::BucketPolicy',
      Properties: {
        Bucket: ref(id),
        PolicyDocument: {
          Version: '2012-10-17',
          Statement: [
            {
              Sid: 'DenyInsecureTransport',
              Effect: 'Deny',
              Principal: '*',
              Action: 's3:*',
              Resource: [getAtt(id, 'Arn'), sub(`\${${id}.Arn}/*`)],
              Condition: { Bool: { 'aws:SecureTransport': false } },
            },
          ],
        },
      },
    },
  };
}

/** Glue database, one table per lake table (columns from schemas/), partition projection on dt and hour. */
function glueCatalog(options: AnalyticsOptions): Record<string, Resource> {
  const resources: Record<string, Resource> = {
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
          Name: table,
          TableType: 'EXTERNAL_TABLE',
          Parameters: {
            classification: 'parquet',
            // Partition projection: new dt/hour partitions are queryable at once, no crawler.
            'projection.enabled': 'true',
            'projection.dt.type': 'date',
            'projection.dt.format': 'yyyy-MM-dd',
            'projection.dt.range': '2024-01-01,NOW',
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

/** The OpenSearch domain's name: at most 28 characters. */
function searchDomainName(options: AnalyticsOptions): string {
  return `${options.service}-${options.stage}`.slice(0, 28);
}

/** The OpenSearch domain's ARN, built from its name. */
function searchDomainArn(options: AnalyticsOptions): { 'Fn::Sub': string } {
  return sub(`arn:\${AWS::Partition}:es:\${AWS::Region}:\${AWS::AccountId}:domain/${searchDomainName(options)}`);
}

/** The role both kinds of Firehose streams assume: write their bucket prefixes, read the Glue schema, index. */
function firehoseRole(options: AnalyticsOptions): Resource {
  const prefix = `${options.service}-${options.stage}`;
  return {
    Type: 'AWS::IAM::Role',
    Properties: {
      RoleName: sub(`${prefix}-firehose-\${AWS::Region}`),
      AssumeRolePolicyDocument: {
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Principal: { Service: 'firehose.amazonaws.com' },
            Action: 'sts:AssumeRole',
            Condition: { StringEquals: { 'sts:ExternalId': ref('AWS::AccountId') } },
          },
        ],
      },
      Policies: [
        {
          PolicyName: 'firehose',
          PolicyDocument: {
            Version: '2012-10-17',
            Statement: [
              {
                Sid: 'WriteLake',
                Effect: 'Allow',
                Action: [
                  's3:AbortMultipartUpload',
                  's3:GetBucketLocation',
                  's3:GetObject',
                  's3:ListBucket',
                  's3:ListBucketMultipartUploads',
                  's3:PutObject',
                ],
                Resource: [getAtt('LakeBucket', 'Arn'), sub('${LakeBucket.Arn}/*')],
              },
              {
                Sid: 'ReadTableSchemas',
                Effect: 'Allow',
                Action: ['glue:GetTable', 'glue:GetTableVersion', 'glue:GetTableVersions'],
                Resource: [
                  sub('arn:${AWS::Partition}:glue:${AWS::Region}:${AWS::AccountId}:catalog'),
                  sub('arn:${AWS::Partition}:glue:${AWS::Region}:${AWS::AccountId}:database/${GlueDatabase}'),
                  sub('arn:${AWS::Partition}:glue:${AWS::Region}:${AWS::AccountId}:table/${GlueDatabase}/*'),
                ],
              },
              {
                Sid: 'IndexDocuments',
                Effect: 'Allow',
                Action: [
                  'es:DescribeDomain',
                  'es:DescribeDomains',
                  'es:DescribeDomainConfig',
                  'es:ESHttpPost',
                  'es:ESHttpPut',
                  'es:ESHttpGet',
                ],
                // The domain's ARN built from its name: a GetAtt would make the domain's access policy
                // (which names this role) and this role depend on each other.
                Resource: [searchDomainArn(options), sub(`${searchDomainArn(options)['Fn::Sub']}/*`)],
              },
              {
                Sid: 'EncryptViaS3',
                Effect: 'Allow',
                Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
                Resource: sub('arn:${AWS::Partition}:kms:${AWS::Region}:${AWS::AccountId}:key/*'),
                Condition: { StringEquals: { 'kms:ViaService': sub('s3.${AWS::Region}.amazonaws.com') } },
              },
              {
                Sid: 'DeliveryLogs',
                Effect: 'Allow',
                Action: 'logs:PutLogEvents',
                Resource: sub(
                  `arn:\${AWS::Partition}:logs:\${AWS::Region}:\${AWS::AccountId}:log-group:/aws/kinesisfirehose/${prefix}:*`,
                ),
              },
            ],
          },
        },
      ],
    },
  };
}

/**
 * One Firehose stream per lake table: many events per record (ingest packs them), de-aggregated,
 * partitioned by the event's own day and hour (JQ on the time column, epoch ms), converted to Parquet
 * with the Glue table's schema. Firehose bills per record rounded up to 5 KB, so packing matters.
 */
function lakeStreams(options: AnalyticsOptions): Record<string, Resource> {
  const resources: Record<string, Resource> = {};
  for (const table of TABLES) {
    const time = partitionTimeColumn(table);
    resources[`Lake${pascal(table)}Stream`] = {
      Type: 'AWS::KinesisFirehose::DeliveryStream',
      Properties: {
        DeliveryStreamName: lakeStreamName(options.service, options.stage, table),
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
            OutputFormatConfiguration: { Serializer: { ParquetSerDe: { Compression: 'SNAPPY' } } },
            SchemaConfiguration: {
              CatalogId: ref('AWS::AccountId'),
              DatabaseName: ref('GlueDatabase'),
              TableName: table,
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
            LogGroupName: `/aws/kinesisfirehose/${options.service}-${options.stage}`,
            LogStreamName: `lake-${table}`,
          },
        },
      },
    };
  }
  return resources;
}

/** The delivery log group and one log stream per delivery stream (Firehose does not create them). */
function deliveryLogs(options: AnalyticsOptions): Record<string, Resource> {
  const group = `/aws/kinesisfirehose/${options.service}-${options.stage}`;
  const resources: Record<string, Resource> = {
    FirehoseLogGroup: {
      Type: 'AWS::Logs::LogGroup',
      Properties: { LogGroupName: group, RetentionInDays: options.logRetentionInDays },
    },
  };
  const streams = [
    ...TABLES.map((table) => `lake-${table}`),
    ...Object.keys(INDEX_FAMILIES).map((name) => `search-${name}`),
  ];
  for (const stream of streams)
    resources[`FirehoseLog${pascal(stream)}`] = {
      Type: 'AWS::Logs::LogStream',
      Properties: { LogGroupName: ref('FirehoseLogGroup'), LogStreamName: stream },
    };
  return resources;
}

/** The OpenSearch domain and one Firehose stream per index family, failed documents backed up to S3. */
function search(options: AnalyticsOptions): Record<string, Resource> {
  const multiNode = options.searchInstanceCount > 1;
  const resources: Record<string, Resource> = {
    // Operators assume this role to administer the domain (fine-grained access control master user)
    // and to map the Firehose role to a backend role; nothing else gets in.
    SearchAdminRole: {
      Type: 'AWS::IAM::Role',
      Properties: {
        RoleName: sub(`${options.service}-${options.stage}-search-admin-\${AWS::Region}`),
        AssumeRolePolicyDocument: {
          Version: '2012-10-17',
          Statement: [
            {
              Effect: 'Allow',
              Principal: { AWS: sub('arn:${AWS::Partition}:iam::${AWS::AccountId}:root') },
              Action: 'sts:AssumeRole',
            },
          ],
        },
      },
    },
    SearchDomain: {
      Type: 'AWS::OpenSearchService::Domain',
      Properties: {
        DomainName: searchDomainName(options),
        EngineVersion: 'OpenSearch_2.19',
        ClusterConfig: {
          InstanceType: options.searchInstanceType,
          InstanceCount: options.searchInstanceCount,
          ZoneAwarenessEnabled: multiNode,
          ...(multiNode
            ? { ZoneAwarenessConfig: { AvailabilityZoneCount: Math.min(3, options.searchInstanceCount) } }
            : {}),
        },
        EBSOptions: { EBSEnabled: true, VolumeType: 'gp3', VolumeSize: options.searchVolumeGb },
        EncryptionAtRestOptions: { Enabled: true },
        NodeToNodeEncryptionOptions: { Enabled: true },
        DomainEndpointOptions: { EnforceHTTPS: true, TLSSecurityPolicy: 'Policy-Min-TLS-1-2-2019-07' },
        AdvancedSecurityOptions: {
          Enabled: true,
          InternalUserDatabaseEnabled: false,
          MasterUserOptions: { MasterUserARN: getAtt('SearchAdminRole', 'Arn') },
        },
        AccessPolicies: {
          Version: '2012-10-17',
          Statement: [
            {
              Effect: 'Allow',
              Principal: { AWS: [getAtt('SearchAdminRole', 'Arn'), getAtt('FirehoseRole', 'Arn')] },
              Action: 'es:ESHttp*',
              Resource: sub(`${searchDomainArn(options)['Fn::Sub']}/*`),
            },
          ],
        },
      },
    },
  };
  for (const [name, family] of Object.entries(INDEX_FAMILIES)) {
    resources[`Search${pascal(name)}Stream`] = {
      Type: 'AWS::KinesisFirehose::DeliveryStream',
      Properties: {
        DeliveryStreamName: searchStreamName(options.service, options.stage, name),
        DeliveryStreamType: 'DirectPut',
        DeliveryStreamEncryptionConfigurationInput: { KeyType: 'AWS_OWNED_CMK' },
        AmazonopensearchserviceDestinationConfiguration: {
          DomainARN: getAtt('SearchDomain', 'Arn'),
          IndexName: family.prefix,
          IndexRotationPeriod: 'OneDay',
          RoleARN: getAtt('FirehoseRole', 'Arn'),
          BufferingHints: { IntervalInSeconds: 60, SizeInMBs: 5 },
          RetryOptions: { DurationInSeconds: 300 },
          S3BackupMode: 'FailedDocumentsOnly',
          S3Configuration: {
            BucketARN: getAtt('LakeBucket', 'Arn'),
            RoleARN: getAtt('FirehoseRole', 'Arn'),
            Prefix: `search-failed/${name}/`,
            ErrorOutputPrefix: `search-failed/${name}/errors/`,
            CompressionFormat: 'GZIP',
          },
          CloudWatchLoggingOptions: {
            Enabled: true,
            LogGroupName: `/aws/kinesisfirehose/${options.service}-${options.stage}`,
            LogStreamName: `search-${name}`,
          },
        },
      },
    };
  }
  return resources;
}

/** Athena: a workgroup with encrypted results and a scan limit, and the named queries of queries/. */
function athena(options: AnalyticsOptions): Record<string, Resource> {
  const resources: Record<string, Resource> = {
    ...privateBucket('AthenaResultsBucket', `${options.service}-${options.stage}-athena-results`, [
      { Id: 'ExpireResults', Status: 'Enabled', ExpirationInDays: 30 },
    ]),
    AthenaWorkGroup: {
      Type: 'AWS::Athena::WorkGroup',
      Properties: {
        Name: `${options.service}-${options.stage}`,
        Description: 'fleetstream named queries over the Glue tables',
        State: 'ENABLED',
        WorkGroupConfiguration: {
          EnforceWorkGroupConfiguration: true,
          PublishCloudWatchMetricsEnabled: true,
          BytesScannedCutoffPerQuery: options.athenaBytesScannedCutoff,
          ResultConfiguration: {
            OutputLocation: sub('s3://${AthenaResultsBucket}/results/'),
            EncryptionConfiguration: { EncryptionOption: 'SSE_S3' },
          },
        },
      },
    },
  };
  for (const query of options.namedQueries) {
    resources[`NamedQuery${pascal(query.name)}`] = {
      Type: 'AWS::Athena::NamedQuery',
      Properties: {
        Name: query.name,
        Description: query.description.slice(0, 1024),
        Database: ref('GlueDatabase'),
        WorkGroup: ref('AthenaWorkGroup'),
        QueryString: query.sql,
      },
    };
  }
  return resources;
}

/** Alarms to an ops topic and a dashboard: iterator age, errors, DLQ depth, Firehose delivery, cluster status. */
function observability(options: AnalyticsOptions): Record<string, Resource> {
  const prefix = `${options.service}-${options.stage}`;
  const alarm = (
    description: string,
    namespace: string,
    metric: string,
    dimensions: Record<string, unknown>,
    statistic: string,
    comparison: string,
    threshold: number,
  ): Resource => ({
    Type: 'AWS::CloudWatch::Alarm',
    Properties: {
      AlarmDescription: description,
      Namespace: namespace,
      MetricName: metric,
      Dimensions: Object.entries(dimensions).map(([Name, Value]) => ({ Name, Value })),
      Statistic: statistic,
      Period: 300,
      EvaluationPeriods: 1,
      ComparisonOperator: comparison,
      Threshold: threshold,
      TreatMissingData: 'notBreaching',
      AlarmActions: [ref('OpsTopic')],
      OKActions: [ref('OpsTopic')],
    },
  });
  // OpsTopic itself is in resources/streaming.yml: the batch state machine reports to it on every stage.
  const resources: Record<string, Resource> = {};
  for (const fn of ['ingest', 'aggregate']) {
    const Fn = pascal(fn);
    resources[`${Fn}IteratorAgeAlarm`] = alarm(
      `${fn} is more than a minute behind the stream`,
      'AWS/Lambda',
      'IteratorAge',
      { FunctionName: `${prefix}-${fn}` },
      'Maximum',
      'GreaterThanThreshold',
      60_000,
    );
    resources[`${Fn}ErrorsAlarm`] = alarm(
      `${fn} invocations failed`,
      'AWS/Lambda',
      'Errors',
      { FunctionName: `${prefix}-${fn}` },
      'Sum',
      'GreaterThanThreshold',
      0,
    );
    resources[`${Fn}DeadLetterAlarm`] = alarm(
      `${fn} sent batches to its on-failure queue`,
      'AWS/SQS',
      'ApproximateNumberOfMessagesVisible',
      { QueueName: `${prefix}-${fn}-failures` },
      'Maximum',
      'GreaterThanThreshold',
      0,
    );
  }
  for (const table of TABLES)
    resources[`Lake${pascal(table)}DeliveryAlarm`] = alarm(
      `Firehose could not deliver ${table} to S3`,
      'AWS/Firehose',
      'DeliveryToS3.Success',
      { DeliveryStreamName: lakeStreamName(options.service, options.stage, table) },
      'Minimum',
      'LessThanThreshold',
      1,
    );
  for (const name of Object.keys(INDEX_FAMILIES))
    resources[`Search${pascal(name)}DeliveryAlarm`] = alarm(
      `Firehose could not deliver ${name} to OpenSearch`,
      'AWS/Firehose',
      'DeliveryToAmazonOpenSearchService.Success',
      { DeliveryStreamName: searchStreamName(options.service, options.stage, name) },
      'Minimum',
      'LessThanThreshold',
      1,
    );
  resources.SearchClusterRedAlarm = alarm(
    'the OpenSearch cluster is red',
    'AWS/ES',
    'ClusterStatus.red',
    { DomainName: ref('SearchDomain'), ClientId: ref('AWS::AccountId') },
    'Maximum',
    'GreaterThanOrEqualToThreshold',
    1,
  );
  const widget = (title: string, metrics: unknown[][], y: number, x: number) => ({
    type: 'metric',
    x,
    y,
    width: 12,
    height: 6,
    properties: { title, metrics, view: 'timeSeries', region: '${AWS::Region}', stat: 'Sum', period: 60 },
  });
  const body = {
    widgets: [
      widget(
        'Records in, accepted, rejected',
        ['RecordsIn', 'Accepted', 'Rejected', 'Duplicates'].map((m) => [
          'fleetstream',
          m,
          'service',
          'ingest',
          'stage',
          options.stage,
        ]),
        0,
        0,
      ),
      widget(
        'Alerts by rule',
        ['speeding', 'high_rpm', 'wrong_gear', 'emergency', 'poor_air_quality', 'gps_jump'].map((rule) => [
          'fleetstream',
          'Alerts',
          'service',
          'ingest',
          'stage',
          options.stage,
          'rule',
          rule,
        ]),
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
      widget(
        'Batch latency (ms)',
        [['fleetstream', 'BatchLatency', 'service', 'ingest', 'stage', options.stage, { stat: 'p99' }]],
        6,
        12,
      ),
    ],
  };
  resources.OperationsDashboard = {
    Type: 'AWS::CloudWatch::Dashboard',
    Properties: { DashboardName: `${prefix}-operations`, DashboardBody: sub(JSON.stringify(body)) },
  };
  return resources;
}

/**
 * Every analytics resource for a stage: the Glue catalog, the lake and search Firehose streams,
 * the OpenSearch domain, Athena, alarms and a dashboard.
 *
 * @example const { Resources } = analyticsTemplate({ service: 'fleetstream', stage: 'dev', ... });
 */
export function analyticsTemplate(options: AnalyticsOptions): { Resources: Record<string, Resource> } {
  return {
    Resources: {
      ...glueCatalog(options),
      FirehoseRole: firehoseRole(options),
      ...deliveryLogs(options),
      ...lakeStreams(options),
      ...search(options),
      ...athena(options),
      ...observability(options),
    },
  };
}
