import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { type Sink, SinkWriteError } from '#src/sinks/sink.js';

/** Options of createS3JsonlSink. */
export interface S3JsonlSinkOptions<T = unknown> {
  client: S3Client;
  bucket: string;
  prefix: string;
  name: string;
  now: () => number;
  randomId?: () => string;
  /** One JSON object per item (default JSON.stringify). */
  serialise?: (item: T) => string;
}

function partitionOf(ms: number): string {
  const iso = new Date(ms).toISOString();
  return `dt=${iso.slice(0, 10)}/hour=${iso.slice(11, 13)}`;
}

/**
 * A sink writing each `write` call as one NDJSON object, partitioned by processing time
 * (`<prefix>/dt=YYYY-MM-DD/hour=HH/<time>-<id>.jsonl`): all-or-nothing per call, for low-volume outputs such as rejects,
 * duplicates and late records. Encrypted with the bucket's KMS key. The SDK already retries
 * throttling and 5xx (3 attempts by default), so a failure here is final for this attempt.
 *
 * @example
 *   const rejects = createS3JsonlSink({ client: new S3Client({}), bucket, prefix: 'rejects', name: 'rejects', now: Date.now });
 */
export function createS3JsonlSink<T>(options: S3JsonlSinkOptions<T>): Sink<T> {
  const randomId = options.randomId ?? (() => crypto.randomUUID());
  const serialise = options.serialise ?? ((item: T) => JSON.stringify(item));
  return {
    name: options.name,
    async write(items: readonly T[]): Promise<void> {
      if (items.length === 0) return;
      const now = options.now();
      const stamp = new Date(now).toISOString().replace(/[-:]/g, '').slice(0, 15);
      try {
        await options.client.send(
          new PutObjectCommand({
            Bucket: options.bucket,
            Key: `${options.prefix}/${partitionOf(now)}/${stamp}-${randomId()}.jsonl`,
            Body: `${items.map(serialise).join('\n')}\n`,
            ContentType: 'application/x-ndjson',
            // No SSE header: the bucket's default encryption (aws:kms, bucket key) applies, which
            // also keeps emulators happy that refuse aws:kms without a key id.
          }),
        );
      } catch (error) {
        throw new SinkWriteError(`${options.name}: PutObject failed`, options.name, 0, { cause: error });
      }
    },
  };
}
