import { countParameters, listNamedQueries } from '#src/adapters/file/named-queries.js';
import { glueType, PARTITION_KEYS, tableColumns } from '#src/schema/columns.js';
import { rawTableName } from '#src/schema/dedupe-views.js';
import { TABLES } from '#src/schema/registry.js';
import { EVENT_TIME_RANGE } from '#src/telemetry/event-time-range.js';
import { parseTimestamp } from '#src/telemetry/parse-timestamp.js';
import { type CfnResource, packageStack, resourcesOfType } from '#test/helpers/package-template.js';

// biome-ignore lint/suspicious/noExplicitAny: CloudFormation properties are free-form JSON, read path by path.
type Props = Record<string, any>;
const props = (resource: CfnResource | undefined) => (resource?.Properties ?? {}) as Props;

describe('Stack: the analytics resources of sls package --stage dev', () => {
  let resources: Record<string, CfnResource>;
  let prod: Record<string, CfnResource>;

  beforeAll(async () => {
    // One at a time: serverless-esbuild builds in the shared .esbuild/ folder.
    resources = (await packageStack('dev')).resources;
    prod = (await packageStack('prod')).resources;
  }, 300_000);

  it('declares one raw Glue table per lake table with the columns schemas/ derive, Parquet, partition projection', () => {
    // Act
    const tables = resourcesOfType(resources, 'AWS::Glue::Table').map(([, table]) => props(table).TableInput);

    // Assess
    expect(tables.map((t) => t.Name).sort()).toEqual(TABLES.map(rawTableName).sort());
    for (const table of tables) {
      expect(table.StorageDescriptor.Columns).toEqual(
        tableColumns(table.Name.replace(/_raw$/, '')).map((column) => ({ Name: column.name, Type: glueType(column) })),
      );
      expect(table.PartitionKeys).toEqual(PARTITION_KEYS.map((key) => ({ Name: key.name, Type: 'string' })));
      expect(table.StorageDescriptor.SerdeInfo.SerializationLibrary).toContain('ParquetHiveSerDe');
      expect(table.Parameters).toMatchObject({
        'projection.enabled': 'true',
        'projection.dt.type': 'date',
        'projection.hour.type': 'integer',
        'projection.hour.range': '0,23',
      });
    }
  });

  it('projects a dt partition for every event time the schemas accept, and none is hidden from Athena', () => {
    // Prepare: the earliest and latest instants ingest accepts, and the days Firehose files them under
    const earliest = parseTimestamp(new Date(EVENT_TIME_RANGE.minMs).toISOString());
    const latest = parseTimestamp(new Date(EVENT_TIME_RANGE.maxMs).toISOString());
    const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);

    // Act
    const ranges = resourcesOfType(resources, 'AWS::Glue::Table').map(
      ([, table]) => props(table).TableInput.Parameters['projection.dt.range'] as string,
    );

    // Assess: the bounds are accepted, one day further is not, and the projection spans exactly them
    expect(parseTimestamp(EVENT_TIME_RANGE.minMs - 1)).toBeNaN();
    expect(parseTimestamp(EVENT_TIME_RANGE.maxMs + 1)).toBeNaN();
    expect(ranges.length).toBe(TABLES.length);
    for (const range of ranges) expect(range).toBe(`${day(earliest)},${day(latest)}`);
  });

  it('delivers each lake table through Firehose: de-aggregation, dynamic partitions by event day and hour, Parquet, an error prefix', () => {
    // Act
    const streams = resourcesOfType(resources, 'AWS::KinesisFirehose::DeliveryStream')
      .map(([, stream]) => props(stream))
      .filter((p) => p.ExtendedS3DestinationConfiguration);

    // Assess
    expect(streams).toHaveLength(TABLES.length);
    for (const stream of streams) {
      const s3 = stream.ExtendedS3DestinationConfiguration;
      const table = s3.DataFormatConversionConfiguration.SchemaConfiguration.TableName.replace(/_raw$/, '');
      expect(s3.DataFormatConversionConfiguration.SchemaConfiguration.TableName).toBe(rawTableName(table));
      expect(stream.DeliveryStreamName).toBe(`fleetstream-dev-lake-${table.replaceAll('_', '-')}`);
      expect(s3.Prefix).toBe(`${table}/dt=!{partitionKeyFromQuery:dt}/hour=!{partitionKeyFromQuery:hour}/`);
      expect(s3.ErrorOutputPrefix).toMatch(new RegExp(`^errors/${table}/`));
      expect(s3.DataFormatConversionConfiguration).toMatchObject({
        Enabled: true,
        InputFormatConfiguration: { Deserializer: { OpenXJsonSerDe: {} } },
        OutputFormatConfiguration: { Serializer: { ParquetSerDe: {} } },
      });
      expect(s3.DynamicPartitioningConfiguration.Enabled).toBe(true);
      expect(s3.ProcessingConfiguration.Processors.map((p: Props) => p.Type)).toEqual([
        'RecordDeAggregation',
        'MetadataExtraction',
      ]);
      expect(s3.BufferingHints.SizeInMBs).toBeGreaterThanOrEqual(64);
      expect(stream.DeliveryStreamEncryptionConfigurationInput).toBeDefined();
    }
  });

  it('runs an encrypted, HTTPS-only OpenSearch domain with fine-grained access that the functions index into themselves', () => {
    // Act
    const domain = props(resources.SearchDomain);
    const toSearch = resourcesOfType(resources, 'AWS::KinesisFirehose::DeliveryStream').filter(
      ([, stream]) => props(stream).AmazonopensearchserviceDestinationConfiguration,
    );
    const role = (id: string) =>
      props(resources[id]).Policies[0].PolicyDocument.Statement.find((s: Props) => s.Sid === 'IndexSearchDocuments');
    const ingest = resources.IngestLambdaFunction!.Properties as Props;

    // Assess
    expect(domain).toMatchObject({
      EncryptionAtRestOptions: { Enabled: true },
      NodeToNodeEncryptionOptions: { Enabled: true },
      DomainEndpointOptions: { EnforceHTTPS: true },
      AdvancedSecurityOptions: { Enabled: true },
    });
    for (const statement of domain.AccessPolicies.Statement) {
      expect(statement.Principal).not.toBe('*');
      expect(JSON.stringify(statement.Principal)).not.toContain('"*"');
    }
    // No Firehose to OpenSearch: its document ids would be its own, so a redelivery would index twice.
    expect(toSearch).toEqual([]);
    expect(domain.AccessPolicies.Statement[0].Principal.AWS).toEqual(
      expect.arrayContaining([{ 'Fn::GetAtt': ['IngestRole', 'Arn'] }, { 'Fn::GetAtt': ['AggregateRole', 'Arn'] }]),
    );
    for (const id of ['IngestRole', 'AggregateRole'])
      expect(role(id)).toMatchObject({
        Action: ['es:ESHttpPost', 'es:ESHttpPut'],
        Resource: { 'Fn::Sub': expect.stringContaining(':domain/fleetstream-dev/*') },
      });
    expect(ingest.Environment.Variables.FLEETSTREAM_SEARCH_DOMAIN).toEqual({ Ref: 'SearchDomain' });
  });

  it('publishes the domain’s application, slow and audit logs to log groups only that domain may write', () => {
    // Act
    const publishing = props(resources.SearchDomain).LogPublishingOptions;
    const policy = JSON.parse(props(resources.SearchLogsResourcePolicy).PolicyDocument['Fn::Sub']);

    // Assess
    expect(Object.keys(publishing).sort()).toEqual([
      'AUDIT_LOGS',
      'ES_APPLICATION_LOGS',
      'INDEX_SLOW_LOGS',
      'SEARCH_SLOW_LOGS',
    ]);
    for (const option of Object.values(publishing) as Props[]) {
      expect(option.Enabled).toBe(true);
      const group = option.CloudWatchLogsLogGroupArn['Fn::Sub'].split(':log-group:')[1];
      expect(resourcesOfType(resources, 'AWS::Logs::LogGroup').map(([, g]) => props(g).LogGroupName)).toContain(group);
    }
    expect(resources.SearchDomain?.DependsOn).toContain('SearchLogsResourcePolicy');
    expect(policy.Statement).toEqual([
      expect.objectContaining({
        Principal: { Service: 'es.amazonaws.com' },
        Condition: {
          // biome-ignore lint/suspicious/noTemplateCurlyInString: a CloudFormation Fn::Sub, not a JS template.
          StringEquals: { 'aws:SourceAccount': '${AWS::AccountId}' },
          ArnLike: { 'aws:SourceArn': expect.stringContaining(':domain/fleetstream-dev') },
        },
      }),
    ]);
  });

  it('lets only principals of the account tagged for the stage assume the search admin role', () => {
    // Act
    const [trust] = props(resources.SearchAdminRole).AssumeRolePolicyDocument.Statement;

    // Assess
    expect(trust.Condition).toEqual({
      StringEquals: { 'aws:PrincipalTag/fleetstream-search-admin': 'fleetstream-dev' },
    });
  });

  it('sizes the domain and the lake buffers per stage', () => {
    expect(props(prod.SearchDomain).ClusterConfig.InstanceCount).toBeGreaterThan(
      props(resources.SearchDomain).ClusterConfig.InstanceCount,
    );
    expect(props(prod.SearchDomain).ClusterConfig.ZoneAwarenessEnabled).toBe(true);
    expect(props(prod.SearchDomain).EBSOptions.VolumeSize).toBeGreaterThan(
      props(resources.SearchDomain).EBSOptions.VolumeSize,
    );
  });

  it('has an Athena workgroup with encrypted results and a scan limit, and one named query per queries/*.sql', () => {
    // Act
    const workgroup = props(resources.AthenaWorkGroup).WorkGroupConfiguration;
    const named = resourcesOfType(resources, 'AWS::Athena::NamedQuery').map(([, q]) => props(q));

    // Assess
    expect(workgroup).toMatchObject({
      EnforceWorkGroupConfiguration: true,
      BytesScannedCutoffPerQuery: expect.any(Number),
      ResultConfiguration: { EncryptionConfiguration: { EncryptionOption: expect.stringMatching(/^SSE_/) } },
    });
    expect(named.map((q) => [q.Name, q.QueryString])).toEqual(
      listNamedQueries(process.cwd()).map((q) => [q.name, q.sql]),
    );
    // The console prompts for `?` values with no names: each description says what they are.
    for (const q of named)
      expect(q.Description).toMatch(
        new RegExp(`Execution parameters \\(${countParameters(q.QueryString as string)}\\): the first and last day`),
      );
  });

  it('alarms to the ops topic on iterator age, errors, dead letters, Firehose delivery, a red cluster and blocked index writes', () => {
    // Act
    const alarms = resourcesOfType(resources, 'AWS::CloudWatch::Alarm').map(([, alarm]) => props(alarm));

    // Assess
    const metrics = new Set(alarms.map((a) => `${a.Namespace} ${a.MetricName}`));
    for (const metric of [
      'AWS/Lambda IteratorAge',
      'AWS/Lambda Errors',
      'AWS/SQS ApproximateNumberOfMessagesVisible',
      'AWS/Firehose DeliveryToS3.Success',
      'AWS/ES ClusterIndexWritesBlocked',
      'AWS/ES ClusterStatus.red',
    ])
      expect(metrics).toContain(metric);
    for (const alarm of alarms) expect(alarm.AlarmActions).toEqual([{ Ref: 'OpsTopic' }]);
    expect(resourcesOfType(resources, 'AWS::CloudWatch::Dashboard')).toHaveLength(1);
  });
});

describe('Stack: sls package --stage local (the emulator stage)', () => {
  it('has none of the analytics resources the emulators lack', async () => {
    // Act
    const { resources } = await packageStack('local');

    // Assess
    for (const type of [
      'AWS::KinesisFirehose::DeliveryStream',
      'AWS::Glue::Table',
      'AWS::OpenSearchService::Domain',
      'AWS::Athena::WorkGroup',
    ])
      expect(resourcesOfType(resources, type)).toEqual([]);
    expect(props(resources.IngestLambdaFunction).Environment.Variables.FLEETSTREAM_LAKE_STREAM_PREFIX).toBeUndefined();
  }, 120_000);
});
