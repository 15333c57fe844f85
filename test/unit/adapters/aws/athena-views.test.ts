import { AthenaClient, GetQueryExecutionCommand, StartQueryExecutionCommand } from '@aws-sdk/client-athena';
import { mockClient } from 'aws-sdk-client-mock';
import { AthenaViewError, createAthenaViews } from '#src/adapters/aws/athena-views.js';
import { dedupeViewStatements } from '#src/schema/dedupe-views.js';

const athena = mockClient(AthenaClient);
const noSleep = async () => {};

describe('Function: createAthenaViews()', () => {
  beforeEach(() => athena.reset());

  it('runs each view DDL in the workgroup and database, waiting for it to succeed', async () => {
    // Prepare
    athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'q' });
    athena
      .on(GetQueryExecutionCommand)
      .resolvesOnce({ QueryExecution: { Status: { State: 'RUNNING' } } })
      .resolves({ QueryExecution: { Status: { State: 'SUCCEEDED' } } });
    const statements = dedupeViewStatements();

    // Act
    const created = await createAthenaViews({
      client: new AthenaClient({}),
      workGroup: 'fleetstream-dev',
      database: 'fleetstream_dev',
      statements,
      sleep: noSleep,
    });

    // Assess
    expect(created.length).toBeGreaterThan(0);
    expect(created).toEqual(statements.map((s) => s.table));
    const calls = athena.commandCalls(StartQueryExecutionCommand).map((c) => c.args[0].input);
    expect(calls[0]).toEqual({
      QueryString: statements[0]!.sql,
      WorkGroup: 'fleetstream-dev',
      QueryExecutionContext: { Database: 'fleetstream_dev' },
    });
    expect(calls[0]!.QueryString).toMatch(/^CREATE OR REPLACE VIEW "car_sensor" AS SELECT .* FROM "car_sensor_raw"/);
  });

  it('fails naming the view and Athena’s reason when a DDL fails', async () => {
    // Prepare
    athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'q' });
    athena
      .on(GetQueryExecutionCommand)
      .resolves({ QueryExecution: { Status: { State: 'FAILED', StateChangeReason: 'line 1:8: mismatched input' } } });

    // Act
    const run = createAthenaViews({
      client: new AthenaClient({}),
      workGroup: 'w',
      database: 'd',
      statements: dedupeViewStatements().slice(0, 1),
      sleep: noSleep,
    });

    // Assess
    await expect(run).rejects.toThrow(AthenaViewError);
    await expect(run).rejects.toThrow(/car_sensor: FAILED line 1:8/);
  });
});
