import { GetObjectCommand, type GetObjectCommandOutput, NoSuchKey, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { readS3Object } from '#src/adapters/aws/s3-objects.js';

const s3 = mockClient(S3Client);
/** A GetObject body as the SDK gives it (only the method readS3Object uses). */
const body = (bytes: Uint8Array) =>
  ({ transformToByteArray: async () => bytes }) as unknown as GetObjectCommandOutput['Body'];

describe('Function: readS3Object()', () => {
  beforeEach(() => s3.reset());

  it('returns the bytes undecoded with the ETag and version id of the same response', async () => {
    // Prepare
    const bytes = Uint8Array.of(0x7b, 0xff, 0x7d);
    s3.on(GetObjectCommand, { Bucket: 'raw', Key: 'a.jsonl' }).resolves({
      Body: body(bytes),
      ETag: '"abc"',
      VersionId: 'v1',
    });

    // Act
    const object = await readS3Object(new S3Client({}), 'raw', 'a.jsonl');

    // Assess
    expect(object).toEqual({ body: bytes, etag: '"abc"', versionId: 'v1' });
  });

  it('leaves the version id out for an unversioned bucket, and gives undefined for a missing key', async () => {
    // Prepare
    s3.on(GetObjectCommand, { Key: 'a.jsonl' }).resolves({ Body: body(Uint8Array.of(1)), ETag: '"abc"' });
    s3.on(GetObjectCommand, { Key: 'gone' }).rejects(new NoSuchKey({ message: 'gone', $metadata: {} }));

    // Act
    const [present, missing] = await Promise.all(
      ['a.jsonl', 'gone'].map((key) => readS3Object(new S3Client({}), 'raw', key)),
    );

    // Assess
    expect(present).toEqual({ body: Uint8Array.of(1), etag: '"abc"' });
    expect(missing).toBeUndefined();
  });
});
