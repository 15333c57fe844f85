import { readFileSync } from 'node:fs';
import {
  type CfnResource,
  packageStack,
  referencedId,
  resourcesOfType,
  roleStatements,
} from '#test/helpers/package-template.js';

type Props = Record<string, unknown>;

/** CloudWatch Logs' log delivery actions Step Functions logging needs; none takes a resource ARN. */
const LOG_DELIVERY = [
  'logs:CreateLogDelivery',
  'logs:GetLogDelivery',
  'logs:UpdateLogDelivery',
  'logs:DeleteLogDelivery',
  'logs:ListLogDeliveries',
  'logs:PutResourcePolicy',
  'logs:DescribeResourcePolicies',
  'logs:DescribeLogGroups',
];

describe('Stack: the state machines of sls package --stage dev', () => {
  let resources: Record<string, CfnResource>;

  beforeAll(async () => {
    resources = (await packageStack('dev')).resources;
  }, 180_000);

  const machine = (name: string) =>
    resourcesOfType(resources, 'AWS::StepFunctions::StateMachine').find(
      ([, m]) => m.Properties.StateMachineName === `fleetstream-dev-${name}`,
    )?.[1];

  it.each([
    ['LoadDimensions', 'LoadDimensionsStateMachineRole'],
    ['Replay', 'ReplayStateMachineRole'],
    ['BatchAnalytics', 'BatchAnalyticsStateMachineRole'],
  ])('deploys %s from its ASL file with its own role, and that role allows no wildcard action', (name, roleId) => {
    // Act
    const stateMachine = machine(name);
    const statements = roleStatements(resources[roleId]!);

    // Assess
    expect(stateMachine?.Properties.RoleArn).toEqual({ 'Fn::GetAtt': [roleId, 'Arn'] });
    expect(statements.length).toBeGreaterThan(0);
    for (const statement of statements) {
      for (const action of [statement.Action].flat()) expect(action).not.toMatch(/^\*$|:\*$/);
      // Only CloudWatch Logs' log delivery, whose actions take no resource ARN, is granted on '*'.
      if (statement.Resource === '*') expect([statement.Action].flat()).toEqual(LOG_DELIVERY);
    }
  });

  it('lets the batch machine create only tagged EMR clusters, watch and terminate them', () => {
    // Act
    const statements = roleStatements(resources.BatchAnalyticsStateMachineRole!);
    const actions = statements.flatMap((s) => [s.Action].flat());
    const runJobFlow = statements.find((s) => [s.Action].flat().includes('elasticmapreduce:RunJobFlow'));

    // Assess
    expect(actions).toEqual(
      expect.arrayContaining([
        'elasticmapreduce:RunJobFlow',
        'elasticmapreduce:AddJobFlowSteps',
        'elasticmapreduce:TerminateJobFlows',
        'emr-serverless:StartJobRun',
        'sns:Publish',
      ]),
    );
    expect(runJobFlow?.Condition).toEqual({
      StringEquals: { 'aws:RequestTag/for-use-with-amazon-emr-managed-policies': 'true' },
    });
  });

  it('passes each EMR role only to the service that uses it', () => {
    // Act
    const passes = (roleId: string) =>
      roleStatements(resources[roleId]!)
        .filter((s) => [s.Action].flat().includes('iam:PassRole'))
        .map((s) => [referencedId(s.Resource), JSON.stringify(s.Condition)]);

    // Assess
    expect(passes('BatchAnalyticsStateMachineRole')).toEqual([
      ['EmrServiceRole', JSON.stringify({ StringLike: { 'iam:PassedToService': 'elasticmapreduce.amazonaws.com*' } })],
      ['EmrInstanceRole', JSON.stringify({ StringLike: { 'iam:PassedToService': 'ec2.amazonaws.com*' } })],
      [
        'EmrServerlessJobRole',
        JSON.stringify({ StringEquals: { 'iam:PassedToService': 'emr-serverless.amazonaws.com' } }),
      ],
    ]);
    // AmazonEMRServicePolicy_v2 passes only EMR_EC2_DefaultRole to EC2: the service role passes ours.
    expect(passes('EmrServiceRole')).toEqual([
      ['EmrInstanceRole', JSON.stringify({ StringLike: { 'iam:PassedToService': 'ec2.amazonaws.com*' } })],
    ]);
  });

  it.each([
    ['EmrInstanceRole', 'cluster nodes'],
    ['EmrServerlessJobRole', 'EMR Serverless job'],
  ])('lets the %s (%s) write its logs and the curated output, and delete nothing else in the lake', (roleId) => {
    // Act
    const statements = roleStatements(resources[roleId]!);
    const resourcesFor = (action: string) =>
      statements.filter((s) => [s.Action].flat().includes(action)).flatMap((s) => [s.Resource].flat());

    // Assess
    expect(resourcesFor('s3:DeleteObject')).toEqual([
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a CloudFormation Fn::Sub, not a JS template.
      { 'Fn::Sub': '${LakeBucket.Arn}/curated*' },
    ]);
    expect(resourcesFor('s3:PutObject')).toEqual(
      // biome-ignore lint/suspicious/noTemplateCurlyInString: CloudFormation Fn::Subs, not JS templates.
      [{ 'Fn::Sub': '${DataBucket.Arn}/emr-logs/*' }, { 'Fn::Sub': '${LakeBucket.Arn}/curated*' }],
    );
  });

  it('creates the cluster tagged for the v2 managed policies, with a security configuration encrypting at rest and in transit', () => {
    // Act
    const definition = readFileSync('statemachines/batch-analytics.asl.json', 'utf8');
    const createCluster = JSON.parse(definition).States.CreateCluster.Parameters;
    const security = (resources.EmrSecurityConfiguration!.Properties.SecurityConfiguration as Props)
      .EncryptionConfiguration as Props;

    // Assess
    expect(createCluster.Tags).toContainEqual({ Key: 'for-use-with-amazon-emr-managed-policies', Value: 'true' });
    expect(createCluster['SecurityConfiguration.$']).toBe('$.settings.emr.securityConfiguration');
    expect(createCluster.Instances['Ec2SubnetId.$']).toBe('$.settings.emr.subnetId');
    expect(resources.EmrSecurityConfiguration!.Properties.Name).toBe('fleetstream-dev-emr');
    expect(security).toMatchObject({
      EnableAtRestEncryption: true,
      EnableInTransitEncryption: true,
      AtRestEncryptionConfiguration: {
        LocalDiskEncryptionConfiguration: { EncryptionKeyProviderType: 'AwsKms', EnableEbsEncryption: true },
      },
      InTransitEncryptionConfiguration: { TLSCertificateConfiguration: { CertificateProviderType: 'PEM' } },
    });
  });

  it('runs batch analytics nightly and replays uploads under the data bucket’s incoming/ prefix', () => {
    // Act
    const rules = resourcesOfType(resources, 'AWS::Events::Rule').map(([, rule]) => rule.Properties as Props);
    const schedule = rules.find((r) => r.ScheduleExpression)!;
    const upload = rules.find((r) => r.EventPattern)!;

    // Assess
    expect(schedule.ScheduleExpression).toBe('cron(0 2 * * ? *)');
    expect(JSON.parse((schedule.Targets as { Input: string }[])[0]!.Input)).toEqual({
      from: 'yesterday',
      to: 'yesterday',
      engine: 'cluster',
      emrServerless: { applicationId: '' },
    });
    expect(upload.EventPattern).toMatchObject({
      source: ['aws.s3'],
      'detail-type': ['Object Created'],
      detail: { bucket: { name: [{ Ref: 'DataBucket' }] }, object: { key: [{ prefix: 'incoming/' }] } },
    });
    expect((resources.DataBucket!.Properties.NotificationConfiguration as Props).EventBridgeConfiguration).toEqual({
      EventBridgeEnabled: true,
    });
  });
});
