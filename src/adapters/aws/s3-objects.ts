import { GetObjectCommand, NoSuchKey, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { DimensionDocument, DimensionStore } from '#src/dimensions/publish-dimensions.js';

/** An object's text, or undefined when there is no such key. */
export async function readS3Text(client: S3Client, bucket: string, key: string): Promise<string | undefined> {
  try {
    const answer = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    return await answer.Body!.transformToString('utf8');
  } catch (error) {
    if (error instanceof NoSuchKey || (error as { name?: string }).name === 'NoSuchKey') return undefined;
    throw error;
  }
}

/** An object's bytes and what identifies this version of it. */
export interface S3ObjectBytes {
  body: Uint8Array;
  etag: string;
  versionId?: string;
}

/**
 * An object's bytes as stored (nothing decoded), its ETag and version id from the same GetObject
 * response, so they describe exactly the bytes read; undefined when there is no such key.
 *
 * @example const object = await readS3Object(s3, 'raw', 'incoming/cars.jsonl');
 */
export async function readS3Object(client: S3Client, bucket: string, key: string): Promise<S3ObjectBytes | undefined> {
  try {
    const answer = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    const body = await answer.Body!.transformToByteArray();
    return answer.VersionId
      ? { body, etag: answer.ETag ?? '', versionId: answer.VersionId }
      : { body, etag: answer.ETag ?? '' };
  } catch (error) {
    if (error instanceof NoSuchKey || (error as { name?: string }).name === 'NoSuchKey') return undefined;
    throw error;
  }
}

/**
 * The dimension store in S3: `<prefix>/versions/<version>.json` for each version and
 * `<prefix>/current.json` for the one enrichment reads; encryption is the bucket's default.
 *
 * @example const store = s3DimensionStore(new S3Client({}), bucket, 'dimensions');
 */
export function s3DimensionStore(client: S3Client, bucket: string, prefix: string): DimensionStore {
  const put = (key: string, body: string) =>
    client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: 'application/json' }));
  return {
    async currentVersion() {
      const text = await readS3Text(client, bucket, `${prefix}/current.json`);
      return text === undefined ? undefined : (JSON.parse(text) as DimensionDocument).version;
    },
    async publish(version, document) {
      const body = JSON.stringify(document);
      await put(`${prefix}/versions/${version}.json`, body);
      await put(`${prefix}/current.json`, body);
    },
  };
}
