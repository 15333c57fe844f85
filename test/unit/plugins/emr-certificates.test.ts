import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HeadObjectCommand, NotFound, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { listZipEntries } from '#test/helpers/package-template.js';
import {
  CERTIFICATE_FILES,
  ensureEmrCertificates,
  writeSelfSignedCertificate,
  zipCertificates,
} from '../../../plugins/emr-certificates.js';

const URI = 's3://fleetstream-dev-data-123456789012-eu-west-1/emr/tls/certificates.zip';

describe('Function: ensureEmrCertificates()', () => {
  const s3 = mockClient(S3Client);
  afterEach(() => s3.reset());

  it('creates the certificates zip when the object does not exist yet', async () => {
    // Prepare: S3 answers HeadObject on a missing key with NotFound (404)
    s3.on(HeadObjectCommand).rejects(new NotFound({ message: 'Not Found', $metadata: { httpStatusCode: 404 } }));
    s3.on(PutObjectCommand).resolves({});

    // Act
    const done = await ensureEmrCertificates({
      s3: new S3Client({}),
      uri: URI,
      region: 'eu-west-1',
      generate: async () => Buffer.from('zip'),
    });

    // Assess
    expect(done).toBe('created');
    expect(s3.commandCalls(PutObjectCommand).map((c) => c.args[0].input)).toEqual([
      {
        Bucket: 'fleetstream-dev-data-123456789012-eu-west-1',
        Key: 'emr/tls/certificates.zip',
        Body: Buffer.from('zip'),
      },
    ]);
  });

  it('keeps certificates already there (an operator’s own, or an earlier deploy’s)', async () => {
    // Prepare
    s3.on(HeadObjectCommand).resolves({ ContentLength: 3 });

    // Act
    const done = await ensureEmrCertificates({ s3: new S3Client({}), uri: URI, region: 'eu-west-1' });

    // Assess
    expect(done).toBe('kept');
    expect(s3.commandCalls(PutObjectCommand)).toHaveLength(0);
  });

  it('does not overwrite on any other error (a denied HeadObject is not a missing object)', async () => {
    // Prepare
    s3.on(HeadObjectCommand).rejects(Object.assign(new Error('Forbidden'), { name: 'Forbidden' }));

    // Act, Assess
    await expect(ensureEmrCertificates({ s3: new S3Client({}), uri: URI, region: 'eu-west-1' })).rejects.toThrow(
      'Forbidden',
    );
    expect(s3.commandCalls(PutObjectCommand)).toHaveLength(0);
  });
});

describe('Function: writeSelfSignedCertificate() and zipCertificates()', () => {
  it('makes a key and a certificate for the region’s private DNS names and zips them under the names EMR reads', async () => {
    // Prepare
    const dir = mkdtempSync(join(tmpdir(), 'fleetstream-emr-tls-test-'));

    // Act
    writeSelfSignedCertificate('eu-west-1', dir);
    writeFileSync(join(dir, 'certificates.zip'), await zipCertificates(dir));

    // Assess
    const certificate = execFileSync(
      'openssl',
      ['x509', '-in', join(dir, 'certificateChain.pem'), '-noout', '-subject', '-ext', 'subjectAltName'],
      { encoding: 'utf8' },
    );
    expect(certificate).toContain('CN = *.eu-west-1.compute.internal');
    expect(certificate).toContain('DNS:*.eu-west-1.compute.internal');
    expect(listZipEntries(join(dir, 'certificates.zip'))).toEqual([...CERTIFICATE_FILES]);
  });
});
