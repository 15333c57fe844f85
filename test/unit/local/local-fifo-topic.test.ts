import { PublishBatchCommand, type PublishBatchRequestEntry } from '@aws-sdk/client-sns';
import { DEDUPLICATION_INTERVAL_MS, LocalFifoTopic, SnsApiError } from '#local/sns/local-fifo-topic.js';

const TOPIC = 'arn:aws:sns:eu-west-1:000000000000:fleetstream-local-alerts.fifo';
const entry = (
  id: number,
  dedupe = `d${id}`,
  extra: Partial<PublishBatchRequestEntry> = {},
): PublishBatchRequestEntry => ({
  Id: String(id),
  Message: `m${id}`,
  MessageGroupId: 'g',
  MessageDeduplicationId: dedupe,
  ...extra,
});
const publish = (entries: PublishBatchRequestEntry[]) =>
  new PublishBatchCommand({ TopicArn: TOPIC, PublishBatchRequestEntries: entries });

function setup() {
  let now = 0;
  const delivered: string[] = [];
  const topic = new LocalFifoTopic({ topicArn: TOPIC, deliver: async (m) => void delivered.push(m), now: () => now });
  const advance = (ms: number) => {
    now += ms;
  };
  return { topic, delivered, advance };
}

describe('Class: LocalFifoTopic (the alerts topic stand-in)', () => {
  it('delivers a deduplication id once within 5 minutes, accepting the repeat, and again after the interval', async () => {
    // Prepare
    const { topic, delivered, advance } = setup();

    // Act
    await topic.send(publish([entry(1, 'a')]));
    advance(DEDUPLICATION_INTERVAL_MS - 1);
    const repeat = await topic.send(publish([entry(2, 'a')]));
    advance(2);
    await topic.send(publish([entry(3, 'a')]));

    // Assess
    expect(repeat.Successful).toHaveLength(1);
    expect(delivered).toEqual(['m1', 'm3']);
    expect(topic.stats).toMatchObject({ published: 3, delivered: 2, deduplicated: 1 });
  });

  it.each([
    ['TooManyEntriesInBatchRequest', () => Array.from({ length: 11 }, (_, i) => entry(i))],
    ['EmptyBatchRequest', () => []],
    ['BatchEntryIdsNotDistinct', () => [entry(1), entry(1, 'other')]],
    [
      'BatchRequestTooLong',
      () => [entry(1, 'a', { Message: 'x'.repeat(200_000) }), entry(2, 'b', { Message: 'x'.repeat(70_000) })],
    ],
    ['InvalidParameter', () => [entry(1, 'a', { MessageGroupId: undefined })]],
    ['InvalidParameter', () => [entry(1, 'a', { MessageDeduplicationId: undefined })]],
  ])('refuses the whole call with %s', async (code, entries) => {
    // Prepare
    const { topic, delivered } = setup();

    // Act
    const call = topic.send(publish(entries()));

    // Assess
    await expect(call).rejects.toThrow(SnsApiError);
    await expect(call).rejects.toMatchObject({ name: code });
    expect(delivered).toEqual([]);
  });
});
