import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { createFunctionInvoker, outcomesInLog } from '#src/adapters/aws/function-invoker.js';
import { parseFailureRecord } from '#src/redrive/failure-record.js';
import { failureRecordBody } from '#test/helpers/failure-record.js';

const lambda = mockClient(LambdaClient);
const info = parseFailureRecord(failureRecordBody()).KinesisBatchInfo;
const records = ['7', '8', '9'].map((sequenceNumber) => ({
  partitionKey: 'car-1',
  data: Buffer.from(`r${sequenceNumber}`).toString('base64'),
  sequenceNumber,
  approximateArrivalTimestamp: 1_764_723_600,
}));
const payload = (value: unknown) => Buffer.from(JSON.stringify(value)) as never;
const invoker = () =>
  createFunctionInvoker({ client: new LambdaClient({}), functionName: 'fleetstream-dev-ingest', region: 'eu-west-1' });

describe('Function: createFunctionInvoker()', () => {
  beforeEach(() => lambda.reset());

  it('invokes the function with the Kinesis event of the records and succeeds on an empty partial batch response', async () => {
    // Prepare
    lambda.on(InvokeCommand).resolves({ StatusCode: 200, Payload: payload({ batchItemFailures: [] }) });

    // Act
    const sent = await invoker().send(info, records);

    // Assess
    expect(sent).toEqual({ ok: true });
    const input = lambda.commandCalls(InvokeCommand)[0]!.args[0].input;
    expect(input).toMatchObject({
      FunctionName: 'fleetstream-dev-ingest',
      InvocationType: 'RequestResponse',
      LogType: 'Tail',
    });
    const event = JSON.parse(Buffer.from(input.Payload as Uint8Array).toString('utf8'));
    expect(event.Records).toHaveLength(3);
    expect(event.Records[1]).toEqual({
      kinesis: { kinesisSchemaVersion: '1.0', ...records[1] },
      eventSource: 'aws:kinesis',
      eventVersion: '1.0',
      eventID: 'shardId-000000000001:8',
      eventName: 'aws:kinesis:record',
      invokeIdentityArn: '',
      awsRegion: 'eu-west-1',
      eventSourceARN: info.streamArn,
    });
  });

  it.each([
    [
      'a partial batch response',
      { Payload: payload({ batchItemFailures: [{ itemIdentifier: '9' }, { itemIdentifier: '8' }] }) },
      1,
    ],
    ['an identifier of no record', { Payload: payload({ batchItemFailures: [{ itemIdentifier: '42' }] }) }, 0],
    ['a function error', { FunctionError: 'Unhandled', Payload: payload({ errorMessage: 'boom' }) }, 0],
  ])('given %s, fails from the record Lambda would resume at', async (_, answer, failedFrom) => {
    // Prepare
    lambda.on(InvokeCommand).resolves({ StatusCode: 200, ...answer });

    // Act
    const sent = await invoker().send(info, records);

    // Assess
    expect(sent).toEqual({ ok: false, failedFrom, error: expect.stringContaining('fleetstream-dev-ingest') });
  });

  it('given the log tail of an ingest batch, says how its records ended', async () => {
    // Prepare: a line cut by the 4 KB tail, then the batch's own line
    const log = [
      'ssed","records":9,"accepted":9',
      'START RequestId: 1 Version: $LATEST',
      JSON.stringify({
        level: 'INFO',
        message: 'batch processed',
        records: 3,
        accepted: 1,
        rejected: 0,
        duplicates: 1,
        redelivered: 1,
      }),
      'END RequestId: 1',
    ].join('\n');
    lambda.on(InvokeCommand).resolves({
      StatusCode: 200,
      Payload: payload({ batchItemFailures: [] }),
      LogResult: Buffer.from(log).toString('base64'),
    });

    // Act
    const sent = await invoker().send(info, records);

    // Assess
    expect(sent).toEqual({ ok: true, outcomes: { accepted: 1, rejected: 0, duplicates: 1, redelivered: 1 } });
    expect(outcomesInLog('{"message":"window step","records":3}')).toBeUndefined();
  });
});
