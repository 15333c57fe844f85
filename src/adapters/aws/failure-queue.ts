import { DeleteMessageCommand, ReceiveMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { FailureQueue, QueuedMessage } from '#src/redrive/redrive-failures.js';

/** Options of createSqsFailureQueue. */
export interface SqsFailureQueueOptions {
  client: Pick<SQSClient, 'send'>;
  queueUrl: string;
  /**
   * Seconds a received message stays hidden from other readers: longer than a redrive takes, so a
   * run sees each message once; a message that is kept shows again afterwards (default 900).
   */
  visibilityTimeout?: number;
}

/**
 * An on-failure destination queue: ReceiveMessage (10 at a time, the most SQS returns, with a
 * one-second wait) and DeleteMessage by receipt handle.
 *
 * @example const queue = createSqsFailureQueue({ client: new SQSClient({}), queueUrl });
 */
export function createSqsFailureQueue(options: SqsFailureQueueOptions): FailureQueue {
  const receiptHandles = new Map<string, string>();
  return {
    async receive(): Promise<QueuedMessage[]> {
      const answer = await options.client.send(
        new ReceiveMessageCommand({
          QueueUrl: options.queueUrl,
          MaxNumberOfMessages: 10,
          WaitTimeSeconds: 1,
          VisibilityTimeout: options.visibilityTimeout ?? 900,
        }),
      );
      return (answer.Messages ?? []).map((message) => {
        receiptHandles.set(message.MessageId!, message.ReceiptHandle!);
        return { id: message.MessageId!, body: message.Body ?? '' };
      });
    },
    async remove(message: QueuedMessage): Promise<void> {
      const handle = receiptHandles.get(message.id);
      if (!handle) throw new Error(`no receipt handle for message ${message.id}`);
      await options.client.send(new DeleteMessageCommand({ QueueUrl: options.queueUrl, ReceiptHandle: handle }));
    },
  };
}
