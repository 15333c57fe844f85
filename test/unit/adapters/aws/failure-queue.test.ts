import { DeleteMessageCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { createSqsFailureQueue } from '#src/adapters/aws/failure-queue.js';

const sqs = mockClient(SQSClient);

describe('Function: createSqsFailureQueue()', () => {
  beforeEach(() => sqs.reset());

  it('receives messages hidden for the redrive and deletes one by its receipt handle', async () => {
    // Prepare
    sqs
      .on(ReceiveMessageCommand)
      .resolvesOnce({ Messages: [{ MessageId: 'a', ReceiptHandle: 'rh-a', Body: '{"x":1}' }] })
      .resolves({});
    const queue = createSqsFailureQueue({
      client: new SQSClient({}),
      queueUrl: 'https://sqs/q',
      visibilityTimeout: 60,
    });

    // Act
    const first = await queue.receive();
    await queue.remove(first[0]!);
    const second = await queue.receive();

    // Assess
    expect(first).toEqual([{ id: 'a', body: '{"x":1}' }]);
    expect(second).toEqual([]);
    expect(sqs.commandCalls(ReceiveMessageCommand)[0]!.args[0].input).toEqual({
      QueueUrl: 'https://sqs/q',
      MaxNumberOfMessages: 10,
      WaitTimeSeconds: 1,
      VisibilityTimeout: 60,
    });
    expect(sqs.commandCalls(DeleteMessageCommand).map((c) => c.args[0].input)).toEqual([
      { QueueUrl: 'https://sqs/q', ReceiptHandle: 'rh-a' },
    ]);
  });
});
