// The PEM certificates EMR's in-transit encryption reads from S3 (resources/orchestration.yml,
// EmrSecurityConfiguration): created once, on the first deploy of a stage with EMR, and kept.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HeadObjectCommand, NotFound, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import archiver from 'archiver';

/** The files EMR expects in the zip: the key, the certificate chain and the trusted certificates. */
export const CERTIFICATE_FILES = ['privateKey.pem', 'certificateChain.pem', 'trustedCertificates.pem'] as const;

/**
 * Writes a self-signed certificate for the cluster's nodes into `dir` as the EMR guide makes one with
 * openssl: a wildcard for the region's private DNS names (`*.ec2.internal` in us-east-1,
 * `*.<region>.compute.internal` elsewhere), valid for ten years.
 * https://docs.aws.amazon.com/emr/latest/ManagementGuide/emr-encryption-enable.html
 *
 * @example writeSelfSignedCertificate('eu-west-1', dir); // dir/privateKey.pem, dir/certificateChain.pem
 */
export function writeSelfSignedCertificate(region: string, dir: string): void {
  const domain = region === 'us-east-1' ? '*.ec2.internal' : `*.${region}.compute.internal`;
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '3650',
      '-subj',
      `/CN=${domain}`,
      '-addext',
      `subjectAltName=DNS:${domain}`,
      '-keyout',
      join(dir, 'privateKey.pem'),
      '-out',
      join(dir, 'certificateChain.pem'),
    ],
    { stdio: 'pipe' },
  );
}

/**
 * The zip EMR reads: the key, the chain and, a self-signed chain being its own trust anchor, the
 * chain again as the trusted certificates.
 *
 * @example const zip = await zipCertificates(dir);
 */
export async function zipCertificates(dir: string): Promise<Buffer> {
  const archive = archiver('zip');
  const chunks: Buffer[] = [];
  archive.on('data', (chunk: Buffer) => chunks.push(chunk));
  const done = new Promise((resolve, reject) => {
    archive.on('end', resolve);
    archive.on('error', reject);
  });
  const chain = readFileSync(join(dir, 'certificateChain.pem'));
  archive.append(readFileSync(join(dir, 'privateKey.pem')), { name: 'privateKey.pem' });
  archive.append(chain, { name: 'certificateChain.pem' });
  archive.append(chain, { name: 'trustedCertificates.pem' });
  await archive.finalize();
  await done;
  return Buffer.concat(chunks);
}

/** A new self-signed certificate for the region, zipped as EMR reads it; no key is left on disk. */
export async function selfSignedCertificates(region: string): Promise<Buffer> {
  const dir = mkdtempSync(join(tmpdir(), 'fleetstream-emr-tls-'));
  try {
    writeSelfSignedCertificate(region, dir);
    return await zipCertificates(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Options of ensureEmrCertificates. */
export interface EmrCertificatesOptions {
  s3: S3Client;
  /** `s3://<bucket>/<key>`, the stack's EmrCertificatesUri output. */
  uri: string;
  region: string;
  /** Makes the zip (selfSignedCertificates unless a test passes its own). */
  generate?: (region: string) => Promise<Buffer>;
}

/**
 * Puts the certificates zip at `uri` unless an object is already there (an operator's own
 * certificates, or those of an earlier deploy, are never replaced). Resolves to what it did.
 *
 * @example await ensureEmrCertificates({ s3, uri: 's3://bucket/emr/tls/certificates.zip', region });
 */
export async function ensureEmrCertificates(options: EmrCertificatesOptions): Promise<'kept' | 'created'> {
  const match = /^s3:\/\/([^/]+)\/(.+)$/.exec(options.uri);
  if (!match) throw new Error(`not an s3:// URI: ${options.uri}`);
  const [, Bucket, Key] = match as unknown as [string, string, string];
  try {
    await options.s3.send(new HeadObjectCommand({ Bucket, Key }));
    return 'kept';
  } catch (error) {
    if (!(error instanceof NotFound)) throw error;
  }
  const body = await (options.generate ?? selfSignedCertificates)(options.region);
  await options.s3.send(new PutObjectCommand({ Bucket, Key, Body: body }));
  return 'created';
}
