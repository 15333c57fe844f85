import { join } from 'node:path';
import {
  type CfnResource,
  listZipEntries,
  type PackagedStack,
  packageStack,
  referencedId,
  resourcesOfType,
  roleStatements,
  stageParams,
} from '#test/helpers/package-template.js';

const MAPPINGS = {
  ingest: 'IngestEventSourceMappingKinesisTelemetryStream',
  aggregate: 'AggregateEventSourceMappingKinesisTelemetryStream',
} as const;

/** The resource a mapping reads from: the stream itself, or a registered fan-out consumer. */
function mappingSource(resources: Record<string, CfnResource>, mappingId: string): CfnResource | undefined {
  return resources[referencedId(resources[mappingId]?.Properties.EventSourceArn) ?? ''];
}

describe('Stack: sls package --stage dev (offline, no credentials)', () => {
  let stack: PackagedStack;
  let resources: Record<string, CfnResource>;
  const params = stageParams('dev');

  beforeAll(async () => {
    stack = await packageStack('dev');
    resources = stack.resources;
  }, 180_000);

  it('encrypts the stream with KMS and gives it the stage shard count', () => {
    // Act
    const [[, stream]] = resourcesOfType(resources, 'AWS::Kinesis::Stream') as [[string, CfnResource]];

    // Assess
    expect(stream.Properties.StreamEncryption).toEqual({ EncryptionType: 'KMS', KeyId: 'alias/aws/kinesis' });
    expect(stream.Properties.StreamModeDetails).toEqual({ StreamMode: 'PROVISIONED' });
    expect(JSON.stringify(stream.Properties.ShardCount)).toContain(String(params.shardCount));
  });

  it('maps both functions to the stream with bounded retries, bisect, partial responses and an SQS failure destination', () => {
    // Act
    const mappings = resourcesOfType(resources, 'AWS::Lambda::EventSourceMapping');

    // Assess
    expect(mappings.map(([id]) => id).sort()).toEqual([MAPPINGS.aggregate, MAPPINGS.ingest]);
    const queues = new Set<string>();
    for (const [id, mapping] of mappings) {
      const aggregate = id === MAPPINGS.aggregate;
      expect(mapping.Properties).toMatchObject({
        BatchSize: aggregate ? params.aggregateBatchSize : params.batchSize,
        MaximumBatchingWindowInSeconds: aggregate ? params.aggregateBatchWindow : params.batchWindow,
        StartingPosition: params.startingPosition,
        FunctionResponseTypes: ['ReportBatchItemFailures'],
        BisectBatchOnFunctionError: true,
        MaximumRetryAttempts: params.maximumRetryAttempts,
        MaximumRecordAgeInSeconds: params.maximumRecordAgeInSeconds,
      });
      // -1 means "retry until the record expires" (up to a week): a poison record would block the shard.
      expect(mapping.Properties.MaximumRetryAttempts).toBeGreaterThanOrEqual(0);
      expect(mapping.Properties.MaximumRecordAgeInSeconds).toBeGreaterThan(0);
      const queue = referencedId(
        (mapping.Properties.DestinationConfig as { OnFailure: { Destination: unknown } }).OnFailure.Destination,
      );
      expect(resources[queue ?? '']?.Type).toBe('AWS::SQS::Queue');
      queues.add(queue ?? '');
    }
    expect(queues.size).toBe(2);
  });

  it('gives aggregate a 15-minute tumbling window and ingest none', () => {
    expect(params.tumblingWindowInSeconds).toBe(900);
    expect(resources[MAPPINGS.aggregate]?.Properties.TumblingWindowInSeconds).toBe(params.tumblingWindowInSeconds);
    expect(resources[MAPPINGS.ingest]?.Properties.TumblingWindowInSeconds).toBeUndefined();
  });

  it('reads the stream by polling when the stage has no enhanced fan-out', () => {
    expect(params.enhancedFanOut).toBe(false);
    expect(resourcesOfType(resources, 'AWS::Kinesis::StreamConsumer')).toEqual([]);
    for (const mappingId of Object.values(MAPPINGS))
      expect(mappingSource(resources, mappingId)?.Type).toBe('AWS::Kinesis::Stream');
  });

  it('runs every function on nodejs24.x arm64, each with its own role', () => {
    // Act
    const functions = resourcesOfType(resources, 'AWS::Lambda::Function');
    const roles = functions.map(([, fn]) => referencedId(fn.Properties.Role));

    // Assess
    expect(functions.map(([id]) => id).sort()).toEqual([
      'AggregateLambdaFunction',
      'IngestLambdaFunction',
      'LoadDimensionsLambdaFunction',
      'ReplayLambdaFunction',
    ]);
    for (const [, fn] of functions)
      expect(fn.Properties).toMatchObject({ Runtime: 'nodejs24.x', Architectures: ['arm64'] });
    expect(new Set(roles).size).toBe(4);
    for (const role of roles) expect(resources[role ?? '']?.Type).toBe('AWS::IAM::Role');
    expect(resources.IamRoleLambdaExecution).toBeUndefined();
  });

  it.each([
    ['ingest', 'IngestRole'],
    ['aggregate', 'AggregateRole'],
  ])(
    'scopes the %s role: no wildcard action, no wildcard resource but ListStreams, logs to its own group only',
    (name, roleId) => {
      // Act
      const statements = roleStatements(resources[roleId] as CfnResource);

      // Assess
      expect(statements.length).toBeGreaterThan(0);
      for (const statement of statements) {
        expect(statement.Effect).toBe('Allow');
        for (const action of [statement.Action].flat()) expect(action).not.toMatch(/^\*$|:\*$/);
        // kinesis:ListStreams has no resource-level permissions, so it is the one statement on '*'.
        if (statement.Resource === '*') expect(statement.Action).toBe('kinesis:ListStreams');
      }
      const logs = statements.find((statement) => [statement.Action].flat().includes('logs:PutLogEvents'));
      expect(JSON.stringify(logs?.Resource)).toContain(`log-group:/aws/lambda/fleetstream-dev-${name}:*`);
    },
  );

  it('lets only ingest publish alerts, and each function send to its own failure queue only', () => {
    // Act
    const sendsTo = (roleId: string) =>
      roleStatements(resources[roleId] as CfnResource)
        .filter((statement) => [statement.Action].flat().includes('sqs:SendMessage'))
        .map((statement) => referencedId(statement.Resource));
    const publishes = (roleId: string) =>
      roleStatements(resources[roleId] as CfnResource).some((statement) =>
        [statement.Action].flat().includes('sns:Publish'),
      );

    // Assess
    expect(sendsTo('IngestRole')).toEqual(['IngestFailureQueue']);
    expect(sendsTo('AggregateRole')).toEqual(['AggregateFailureQueue']);
    expect(publishes('IngestRole')).toBe(true);
    expect(publishes('AggregateRole')).toBe(false);
  });

  it('keeps each log group for the stage retention, encrypted with the ops key', () => {
    const groups = resourcesOfType(resources, 'AWS::Logs::LogGroup');
    expect(groups.map(([id]) => id).sort()).toEqual([
      'AggregateLogGroup',
      'BatchAnalyticsStateMachineLogGroup',
      'FirehoseLogGroup',
      'IngestLogGroup',
      'LoadDimensionsLogGroup',
      'LoadDimensionsStateMachineLogGroup',
      'ReplayLogGroup',
      'ReplayStateMachineLogGroup',
      'SearchLogGroupApplication',
      'SearchLogGroupAudit',
      'SearchLogGroupIndexSlow',
      'SearchLogGroupSearchSlow',
    ]);
    for (const [, group] of groups) {
      expect(group.Properties.RetentionInDays).toBe(params.logRetentionInDays);
      expect(group.Properties.KmsKeyId).toEqual({ 'Fn::GetAtt': ['OpsKey', 'Arn'] });
    }
  });

  it('blocks public access to every bucket, encrypts buckets, queues and the topic, and denies plain HTTP to the data buckets', () => {
    // Act
    const buckets = resourcesOfType(resources, 'AWS::S3::Bucket');
    const tlsOnly = (bucketId: string) =>
      resourcesOfType(resources, 'AWS::S3::BucketPolicy').find(
        ([, policy]) => referencedId(policy.Properties.Bucket) === bucketId,
      )?.[1].Properties.PolicyDocument;

    // Assess
    expect(buckets.map(([id]) => id).sort()).toEqual([
      'AccessLogsBucket',
      'AthenaResultsBucket',
      'DataBucket',
      'LakeBucket',
      'RejectsBucket',
      'ServerlessDeploymentBucket',
    ]);
    for (const [, bucket] of buckets) {
      expect(bucket.Properties.PublicAccessBlockConfiguration).toEqual({
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      });
      expect(bucket.Properties.BucketEncryption).toBeDefined();
    }
    expect(resources.RejectsBucket?.Properties.LifecycleConfiguration).toMatchObject({
      Rules: expect.arrayContaining([expect.objectContaining({ Status: 'Enabled', ExpirationInDays: 30 })]),
    });
    for (const bucketId of ['RejectsBucket', 'LakeBucket', 'AthenaResultsBucket', 'DataBucket'])
      expect(tlsOnly(bucketId)).toMatchObject({
        Statement: [{ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': false } } }],
      });
    const queues = resourcesOfType(resources, 'AWS::SQS::Queue');
    expect(queues).toHaveLength(2);
    for (const [, queue] of queues)
      expect(queue.Properties).toMatchObject({ SqsManagedSseEnabled: true, MessageRetentionPeriod: 14 * 24 * 3600 });
    expect(resources.AlertsTopic?.Properties).toMatchObject({
      KmsMasterKeyId: 'alias/aws/sns',
      FifoTopic: true,
      ContentBasedDeduplication: false,
      TopicName: 'fleetstream-dev-alerts.fifo',
    });
  });

  it('passes the stage parameters and the AWS destinations to the functions as FLEETSTREAM_* settings', () => {
    // Act
    const ingest = resources.IngestLambdaFunction?.Properties.Environment as { Variables: Record<string, unknown> };

    // Assess
    expect(ingest.Variables).toMatchObject({
      FLEETSTREAM_STAGE: 'dev',
      FLEETSTREAM_DIMENSIONS_DIR: 'data',
      FLEETSTREAM_SPEEDING_KMH: String(params.speedingKmh),
      FLEETSTREAM_HIGH_RPM: String(params.highRpm),
      FLEETSTREAM_POOR_AQI: String(params.poorAqi),
      FLEETSTREAM_GPS_JUMP_KMH: String(params.gpsJumpKmh),
      FLEETSTREAM_WINDOW_SECONDS: String(params.tumblingWindowInSeconds),
      FLEETSTREAM_ALLOWED_LATENESS_SECONDS: String(params.allowedLatenessSeconds),
      FLEETSTREAM_ALERTS_TOPIC_ARN: { Ref: 'AlertsTopic' },
      FLEETSTREAM_REJECTS_BUCKET: { Ref: 'RejectsBucket' },
      FLEETSTREAM_LAKE_BUCKET: { Ref: 'LakeBucket' },
    });
  });

  it.each([
    ['ingest', 'IngestLambdaFunction'],
    ['aggregate', 'AggregateLambdaFunction'],
  ])('ships the %s bundle with the dimension CSVs where FLEETSTREAM_DIMENSIONS_DIR points', (name, functionId) => {
    // Act
    const entries = listZipEntries(join(stack.dir, `${name}.zip`));

    // Assess
    expect(resources[functionId]?.Properties.Handler).toBe(`functions/${name}/index.handler`);
    expect(entries).toEqual(
      expect.arrayContaining([
        `functions/${name}/index.js`,
        'data/cars.csv',
        'data/car_models.csv',
        'data/car_colors.csv',
      ]),
    );
    expect(entries.filter((entry) => !/^(functions\/|data\/[a-z_]+\.csv$)/.test(entry))).toEqual([]);
  });

  it('packages again to the same logical ids and code hashes (nothing for a redeploy to replace)', async () => {
    // Act
    const again = await packageStack('dev');

    // Assess
    expect(Object.keys(again.resources).sort()).toEqual(Object.keys(resources).sort());
  }, 180_000);
});

describe('Stack: sls package --stage prod', () => {
  let resources: Record<string, CfnResource>;
  const params = stageParams('prod');

  beforeAll(async () => {
    ({ resources } = await packageStack('prod'));
  }, 180_000);

  it('uses an on-demand stream and the prod batch settings', () => {
    const [[, stream]] = resourcesOfType(resources, 'AWS::Kinesis::Stream') as [[string, CfnResource]];
    expect(stream.Properties.StreamModeDetails).toEqual({ StreamMode: 'ON_DEMAND' });
    expect(resources[MAPPINGS.ingest]?.Properties).toMatchObject({
      BatchSize: params.batchSize,
      MaximumBatchingWindowInSeconds: params.batchWindow,
    });
    expect(resources[MAPPINGS.aggregate]?.Properties).toMatchObject({
      BatchSize: params.aggregateBatchSize,
      MaximumBatchingWindowInSeconds: params.aggregateBatchWindow,
    });
  });

  it('reads the alert path through its own enhanced fan-out consumer, aggregate by polling', () => {
    // Act
    const consumer = mappingSource(resources, MAPPINGS.ingest);

    // Assess
    expect(params.enhancedFanOut).toBe(true);
    expect(consumer?.Type).toBe('AWS::Kinesis::StreamConsumer');
    expect(referencedId(consumer?.Properties.StreamARN)).toBe('TelemetryStream');
    expect(mappingSource(resources, MAPPINGS.aggregate)?.Type).toBe('AWS::Kinesis::Stream');
    const subscribe = roleStatements(resources.IngestRole as CfnResource).find((statement) =>
      [statement.Action].flat().includes('kinesis:SubscribeToShard'),
    );
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a CloudFormation Fn::Sub, not a JS template.
    expect(subscribe?.Resource).toEqual({ 'Fn::Sub': '${TelemetryStream.Arn}/consumer/*' });
  });
});

describe('Stack: sls package --stage local (the emulator stage)', () => {
  it('packages offline with the emulator settings, polling as scripts/test-e2e.sh deploys it', async () => {
    // Act: the emulator's CloudFormation has no AWS::Kinesis::StreamConsumer
    const { resources } = await packageStack('local', undefined, ['--param', 'enhancedFanOut=false']);

    // Assess
    const params = stageParams('local');
    expect(params.startingPosition).toBe('TRIM_HORIZON');
    expect(params.enhancedFanOut).toBe(true);
    expect(resourcesOfType(resources, 'AWS::Kinesis::StreamConsumer')).toEqual([]);
    expect(resources[MAPPINGS.ingest]?.Properties).toMatchObject({
      StartingPosition: 'TRIM_HORIZON',
      BatchSize: params.batchSize,
    });
    expect(resources[MAPPINGS.aggregate]?.Properties).toMatchObject({
      StartingPosition: 'TRIM_HORIZON',
      BatchSize: params.aggregateBatchSize,
    });
    expect(params.aggregateBatchSize).not.toBe(params.batchSize);
    expect(resources.IngestLogGroup?.Properties.RetentionInDays).toBe(params.logRetentionInDays);
  }, 180_000);
});
