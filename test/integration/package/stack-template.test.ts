import { type CfnResource, packageStack, resourcesOfType, stageParams } from '../../helpers/package-template.js';

describe('Stack: sls package --stage dev (offline, no credentials)', () => {
  let resources: Record<string, CfnResource>;
  const params = stageParams('dev');

  beforeAll(async () => {
    resources = await packageStack('dev');
  });

  it('encrypts the stream with KMS', () => {
    const [[, stream]] = resourcesOfType(resources, 'AWS::Kinesis::Stream') as [[string, CfnResource]];
    expect(stream.Properties.StreamEncryption).toEqual({ EncryptionType: 'KMS', KeyId: 'alias/aws/kinesis' });
  });

  it('maps both functions to the stream with bounded retries, bisect, partial responses and an SQS failure destination', () => {
    // Act
    const mappings = resourcesOfType(resources, 'AWS::Lambda::EventSourceMapping');

    // Assess
    expect(mappings.map(([id]) => id).sort()).toEqual([
      'AggregateEventSourceMappingKinesisTelemetryStream',
      'IngestEventSourceMappingKinesisTelemetryStream',
    ]);
    for (const [, mapping] of mappings) {
      expect(mapping.Properties).toMatchObject({
        BatchSize: params.batchSize,
        MaximumBatchingWindowInSeconds: params.batchWindow,
        FunctionResponseTypes: ['ReportBatchItemFailures'],
        BisectBatchOnFunctionError: true,
        MaximumRetryAttempts: params.maximumRetryAttempts,
        MaximumRecordAgeInSeconds: params.maximumRecordAgeInSeconds,
      });
      expect(mapping.Properties.MaximumRetryAttempts).toBeGreaterThanOrEqual(0);
      expect(mapping.Properties.MaximumRecordAgeInSeconds).toBeGreaterThan(0);
      const destination = (
        mapping.Properties.DestinationConfig as { OnFailure: { Destination: { 'Fn::GetAtt': string[] } } }
      ).OnFailure.Destination['Fn::GetAtt'];
      expect(resources[destination[0]!]?.Type).toBe('AWS::SQS::Queue');
    }
    expect(resources.AggregateEventSourceMappingKinesisTelemetryStream?.Properties.TumblingWindowInSeconds).toBe(900);
    expect(
      resources.IngestEventSourceMappingKinesisTelemetryStream?.Properties.TumblingWindowInSeconds,
    ).toBeUndefined();
  });

  it('runs both functions on nodejs24.x arm64, each with its own role and no wildcard action', () => {
    const functions = resourcesOfType(resources, 'AWS::Lambda::Function');
    expect(functions).toHaveLength(2);
    const roles = new Set<string>();
    for (const [, fn] of functions) {
      expect(fn.Properties).toMatchObject({ Runtime: 'nodejs24.x', Architectures: ['arm64'] });
      roles.add((fn.Properties.Role as { 'Fn::GetAtt': string[] })['Fn::GetAtt'][0]!);
    }
    expect(roles.size).toBe(2);
    for (const role of roles) {
      const policies = resources[role]?.Properties.Policies as {
        PolicyDocument: { Statement: { Action: unknown; Resource: unknown }[] };
      }[];
      const statements = policies.flatMap((p) => p.PolicyDocument.Statement);
      expect(statements.length).toBeGreaterThan(0);
      for (const statement of statements) {
        expect([statement.Action].flat()).not.toContain('*');
        if (statement.Resource === '*') expect(statement.Action).toBe('kinesis:ListStreams');
      }
    }
  });

  it('blocks public access to buckets, encrypts them, and encrypts queues and the topic', () => {
    const buckets = resourcesOfType(resources, 'AWS::S3::Bucket').filter(([id]) => id !== 'ServerlessDeploymentBucket');
    expect(buckets.length).toBeGreaterThan(0);
    for (const [, bucket] of buckets) {
      expect(bucket.Properties.PublicAccessBlockConfiguration).toEqual({
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      });
      expect(bucket.Properties.BucketEncryption).toBeDefined();
    }
    for (const [, queue] of resourcesOfType(resources, 'AWS::SQS::Queue'))
      expect(queue.Properties.SqsManagedSseEnabled).toBe(true);
    for (const [, topic] of resourcesOfType(resources, 'AWS::SNS::Topic'))
      expect(topic.Properties.KmsMasterKeyId).toBeDefined();
  });

  it('passes the stage parameters to the functions as FLEETSTREAM_* settings', () => {
    const ingest = resources.IngestLambdaFunction?.Properties.Environment as { Variables: Record<string, unknown> };
    expect(ingest.Variables).toMatchObject({
      FLEETSTREAM_SPEEDING_KMH: String(params.speedingKmh),
      FLEETSTREAM_HIGH_RPM: String(params.highRpm),
      FLEETSTREAM_ALERTS_TOPIC_ARN: { Ref: 'AlertsTopic' },
    });
  });
});

// The `local` stage (serverless-localstack) needs a running emulator even to package; the
// emulator suite (`npm run test:e2e`, a later issue) covers it.
describe('Stack: sls package --stage prod', () => {
  it('uses an on-demand stream and the prod batch settings', async () => {
    const resources = await packageStack('prod');
    const prod = stageParams('prod');
    const [[, stream]] = resourcesOfType(resources, 'AWS::Kinesis::Stream') as [[string, CfnResource]];
    expect(stream.Properties.StreamModeDetails).toEqual({ StreamMode: 'ON_DEMAND' });
    for (const [, mapping] of resourcesOfType(resources, 'AWS::Lambda::EventSourceMapping')) {
      expect(mapping.Properties.BatchSize).toBe(prod.batchSize);
    }
  });
});
