import { GetObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import type { Reject } from '#src/telemetry/event.js';

/** Options of readRejectObjects. */
export interface RejectObjectsOptions {
  client: Pick<S3Client, 'send'>;
  bucket: string;
  /** The rejects sink's prefix (functions/shared/sinks.ts: `rejects`), optionally narrowed (`rejects/dt=2026-12-03/`). */
  prefix: string;
}

/** Thrown when a line of a reject object is not JSON; names the object and line. */
export class RejectObjectError extends Error {
  override readonly name = 'RejectObjectError';
}

/**
 * Every reject stored under a prefix of the rejects bucket, object by object in key order: the
 * JSONL objects src/adapters/aws/s3-jsonl-sink.ts writes (`<prefix>/dt=…/hour=…/<time>-<id>.jsonl`).
 *
 * @example for await (const reject of readRejectObjects({ client: s3, bucket, prefix: 'rejects/' })) …
 */
export async function* readRejectObjects(options: RejectObjectsOptions): AsyncGenerator<Reject> {
  let ContinuationToken: string | undefined;
  do {
    const page = await options.client.send(
      new ListObjectsV2Command({ Bucket: options.bucket, Prefix: options.prefix, ContinuationToken }),
    );
    for (const object of page.Contents ?? []) {
      if (!object.Key?.endsWith('.jsonl')) continue;
      const answer = await options.client.send(new GetObjectCommand({ Bucket: options.bucket, Key: object.Key }));
      const text = await answer.Body!.transformToString('utf8');
      let lineNumber = 0;
      for (const line of text.split('\n')) {
        lineNumber++;
        if (line.trim() === '') continue;
        try {
          yield JSON.parse(line) as Reject;
        } catch (error) {
          throw new RejectObjectError(
            `s3://${options.bucket}/${object.Key} line ${lineNumber}: ${(error as Error).message}`,
          );
        }
      }
    }
    ContinuationToken = page.NextContinuationToken;
  } while (ContinuationToken);
}
