import { type CfnResource, packageStack, referencedId, resourcesOfType } from '#test/helpers/package-template.js';

// biome-ignore lint/suspicious/noExplicitAny: CloudFormation properties are free-form JSON, read path by path.
type Props = Record<string, any>;
const props = (resource: CfnResource | undefined) => (resource?.Properties ?? {}) as Props;

/** The resources that hold state: what a stack delete or a replacing update must not destroy on prod. */
const STATEFUL_TYPES = [
  'AWS::Kinesis::Stream',
  'AWS::SQS::Queue',
  'AWS::S3::Bucket',
  'AWS::Logs::LogGroup',
  'AWS::KMS::Key',
  'AWS::OpenSearchService::Domain',
];

/** The Statement of a key's policy that names a service principal. */
const keyStatementFor = (key: CfnResource | undefined, service: string) =>
  (props(key).KeyPolicy.Statement as Props[]).find((s) => JSON.stringify(s.Principal).includes(service));

describe('Stack: what dev and prod keep, log and tell operators', () => {
  let dev: Record<string, CfnResource>;
  let prod: Record<string, CfnResource>;

  beforeAll(async () => {
    dev = (await packageStack('dev')).resources;
    prod = (await packageStack('prod')).resources;
  }, 300_000);

  it('retains the stream, queues, buckets, log groups, keys and the search domain on prod; dev may delete them', () => {
    // Act
    const stateful = (resources: Record<string, CfnResource>) =>
      STATEFUL_TYPES.flatMap((type) => resourcesOfType(resources, type)).filter(
        ([id]) => id !== 'ServerlessDeploymentBucket',
      );

    // Assess
    expect(stateful(prod).length).toBeGreaterThanOrEqual(20);
    for (const [id, resource] of stateful(prod))
      expect([id, resource.DeletionPolicy, resource.UpdateReplacePolicy]).toEqual([id, 'Retain', 'Retain']);
    for (const [id, resource] of stateful(dev))
      expect([id, resource.DeletionPolicy, resource.UpdateReplacePolicy]).toEqual([id, 'Delete', 'Delete']);
  });

  it('versions the data, lake, rejects and Athena buckets, expires old versions and logs every access', () => {
    // Act
    const buckets = ['DataBucket', 'LakeBucket', 'RejectsBucket', 'AthenaResultsBucket'].map((id) => props(dev[id]));

    // Assess
    for (const bucket of buckets) {
      expect(bucket.VersioningConfiguration).toEqual({ Status: 'Enabled' });
      expect(bucket.LoggingConfiguration.DestinationBucketName).toEqual({ Ref: 'AccessLogsBucket' });
      expect(bucket.LifecycleConfiguration.Rules).toContainEqual(
        expect.objectContaining({ NoncurrentVersionExpiration: { NoncurrentDays: expect.any(Number) } }),
      );
    }
    expect(new Set(buckets.map((b) => b.LoggingConfiguration.LogFilePrefix)).size).toBe(buckets.length);
  });

  it('expires every prefix that only grows: EMR logs, delivery errors, failed search documents, rejects, uploads', () => {
    // Act
    const expiring = (bucketId: string) =>
      (props(dev[bucketId]).LifecycleConfiguration.Rules as Props[])
        .filter((rule) => rule.ExpirationInDays > 0)
        .map((rule) => rule.Prefix ?? '');

    // Assess
    expect(expiring('DataBucket')).toEqual(
      expect.arrayContaining(['emr-logs/', 'incoming/', 'dimensions/store/versions/']),
    );
    expect(expiring('LakeBucket')).toEqual(expect.arrayContaining(['errors/', 'search-failed/']));
    expect(expiring('RejectsBucket')).toEqual(['']);
    expect(expiring('AthenaResultsBucket')).toEqual(['']);
    expect(expiring('AccessLogsBucket')).toEqual(['']);
  });

  it('takes server access logs only from this stage’s buckets, encrypted with SSE-S3 (no key grant for log delivery)', () => {
    // Act
    const bucket = props(dev.AccessLogsBucket);
    const [, policy] = resourcesOfType(dev, 'AWS::S3::BucketPolicy').find(
      ([, p]) => referencedId(p.Properties.Bucket) === 'AccessLogsBucket',
    ) as [string, CfnResource];
    const allow = (props(policy).PolicyDocument.Statement as Props[]).find((s) => s.Effect === 'Allow');

    // Assess
    expect(bucket.BucketEncryption.ServerSideEncryptionConfiguration[0].ServerSideEncryptionByDefault).toEqual({
      SSEAlgorithm: 'AES256',
    });
    expect(allow).toMatchObject({
      Principal: { Service: 'logging.s3.amazonaws.com' },
      Action: 's3:PutObject',
      Condition: {
        StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
        // biome-ignore lint/suspicious/noTemplateCurlyInString: a CloudFormation Fn::Sub, not a JS template.
        ArnLike: { 'aws:SourceArn': { 'Fn::Sub': 'arn:${AWS::Partition}:s3:::fleetstream-dev-*' } },
      },
    });
  });

  it('encrypts the ops topic with a customer-managed key that CloudWatch alarms and EventBridge may use for it', () => {
    // Act
    const key = dev.OpsKey;
    const cloudWatch = keyStatementFor(key, 'cloudwatch.amazonaws.com');
    const eventBridge = keyStatementFor(key, 'events.amazonaws.com');
    const topicArn = {
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a CloudFormation Fn::Sub, not a JS template.
      'Fn::Sub': 'arn:${AWS::Partition}:sns:${AWS::Region}:${AWS::AccountId}:fleetstream-dev-ops',
    };

    // Assess
    expect(props(dev.OpsTopic).KmsMasterKeyId).toEqual({ 'Fn::GetAtt': ['OpsKey', 'Arn'] });
    expect(props(key).EnableKeyRotation).toBe(true);
    expect(cloudWatch).toMatchObject({
      Effect: 'Allow',
      Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
      Condition: {
        StringEquals: {
          'aws:SourceAccount': { Ref: 'AWS::AccountId' },
          'kms:EncryptionContext:aws:sns:topicArn': topicArn,
        },
        ArnLike: { 'aws:SourceArn': expect.objectContaining({ 'Fn::Sub': expect.stringContaining(':alarm:*') }) },
      },
    });
    expect(eventBridge).toMatchObject({
      Effect: 'Allow',
      Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
      Condition: { StringEquals: { 'kms:EncryptionContext:aws:sns:topicArn': topicArn } },
    });
  });

  it('lets only this account’s alarms and the failure rule publish to the ops topic, and the rule covers every machine', () => {
    // Act
    const statements = props(dev.OpsTopicPolicy).PolicyDocument.Statement as Props[];
    const rule = props(dev.StateMachineFailuresRule);

    // Assess
    expect(statements.find((s) => s.Principal?.Service === 'cloudwatch.amazonaws.com')?.Condition).toMatchObject({
      StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
      ArnLike: { 'aws:SourceArn': expect.anything() },
    });
    expect(statements.find((s) => s.Principal?.Service === 'events.amazonaws.com')?.Condition).toEqual({
      ArnEquals: { 'aws:SourceArn': { 'Fn::GetAtt': ['StateMachineFailuresRule', 'Arn'] } },
    });
    expect(rule.EventPattern).toMatchObject({
      source: ['aws.states'],
      detail: { status: ['FAILED', 'TIMED_OUT', 'ABORTED'] },
    });
    const prefix = rule.EventPattern.detail.stateMachineArn[0].prefix['Fn::Sub'] as string;
    for (const [, machine] of resourcesOfType(dev, 'AWS::StepFunctions::StateMachine'))
      expect(`stateMachine:${machine.Properties.StateMachineName}`).toContain(prefix.split(':stateMachine:')[1]);
    expect(rule.Targets).toEqual([expect.objectContaining({ Arn: { Ref: 'OpsTopic' } })]);
    expect(rule.Targets[0].RoleArn).toBeUndefined();
    for (const [, alarm] of resourcesOfType(dev, 'AWS::CloudWatch::Alarm'))
      expect(alarm.Properties.AlarmActions).toEqual([{ Ref: 'OpsTopic' }]);
  });

  it('logs every state of every machine to its own log group', () => {
    for (const [, machine] of resourcesOfType(dev, 'AWS::StepFunctions::StateMachine')) {
      const logging = machine.Properties.LoggingConfiguration as Props;
      const name = String(machine.Properties.StateMachineName).replace('fleetstream-dev-', '');
      expect(logging).toEqual({
        Level: 'ALL',
        IncludeExecutionData: false,
        Destinations: [
          { CloudWatchLogsLogGroup: { LogGroupArn: { 'Fn::GetAtt': [`${name}StateMachineLogGroup`, 'Arn'] } } },
        ],
      });
    }
  });
});
