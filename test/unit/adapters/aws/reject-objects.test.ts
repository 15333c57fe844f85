import { GetObjectCommand, type GetObjectCommandOutput, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { RejectObjectError, readRejectObjects } from '#src/adapters/aws/reject-objects.js';

const s3 = mockClient(S3Client);
const body = (text: string) => ({
  Body: { transformToString: async () => text } as unknown as GetObjectCommandOutput['Body'],
});

describe('Function: readRejectObjects()', () => {
  beforeEach(() => s3.reset());

  it('reads every JSONL object under the prefix, page by page', async () => {
    // Prepare
    s3.on(ListObjectsV2Command, { ContinuationToken: undefined }).resolves({
      Contents: [{ Key: 'rejects/dt=2026-12-03/hour=01/a.jsonl' }],
      NextContinuationToken: 't',
    });
    s3.on(ListObjectsV2Command, { ContinuationToken: 't' }).resolves({
      Contents: [{ Key: 'rejects/dt=2026-12-03/hour=02/b.jsonl' }, { Key: 'rejects/_SUCCESS' }],
    });
    s3.on(GetObjectCommand, { Key: 'rejects/dt=2026-12-03/hour=01/a.jsonl' }).callsFake(() =>
      body('{"reason":"schema:/speed:type"}\n{"reason":"json:syntax"}\n'),
    );
    s3.on(GetObjectCommand, { Key: 'rejects/dt=2026-12-03/hour=02/b.jsonl' }).callsFake(() =>
      body('{"reason":"kpl:format"}\n'),
    );

    // Act
    const rejects = [];
    for await (const reject of readRejectObjects({ client: new S3Client({}), bucket: 'b', prefix: 'rejects/' }))
      rejects.push(reject);

    // Assess
    expect(rejects.map((r) => r.reason)).toEqual(['schema:/speed:type', 'json:syntax', 'kpl:format']);
    expect(s3.commandCalls(GetObjectCommand)).toHaveLength(2);
  });

  it('given a line that is not JSON, names the object and line', async () => {
    // Prepare
    s3.on(ListObjectsV2Command).resolves({ Contents: [{ Key: 'rejects/x.jsonl' }] });
    s3.on(GetObjectCommand).callsFake(() => body('{"reason":"a"}\n{oops\n'));

    // Act
    const read = async () => {
      for await (const _ of readRejectObjects({ client: new S3Client({}), bucket: 'b', prefix: 'rejects/' }));
    };

    // Assess
    await expect(read()).rejects.toThrow(RejectObjectError);
    await expect(read()).rejects.toThrow('s3://b/rejects/x.jsonl line 2');
  });
});
