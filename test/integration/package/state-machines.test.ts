import { type CfnResource, packageStack, resourcesOfType, roleStatements } from '#test/helpers/package-template.js';

type Props = Record<string, unknown>;

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
      expect(statement.Resource).not.toBe('*');
    }
  });

  it('lets the batch machine run, watch and terminate EMR clusters and pass only the EMR roles', () => {
    // Act
    const statements = roleStatements(resources.BatchAnalyticsStateMachineRole!);
    const actions = statements.flatMap((s) => [s.Action].flat());
    const passRole = statements.find((s) => [s.Action].flat().includes('iam:PassRole'));

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
    expect(passRole?.Resource).toEqual([
      { 'Fn::GetAtt': ['EmrServiceRole', 'Arn'] },
      { 'Fn::GetAtt': ['EmrInstanceRole', 'Arn'] },
    ]);
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
      emrServerless: { applicationId: '', executionRoleArn: '' },
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
