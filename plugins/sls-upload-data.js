/**
 * osls plugin: after `sls deploy`, uploads what the state machines read from the data bucket:
 * the dimension CSVs (`data/*.csv` → `dimensions/source/`, what load-dimensions validates and
 * publishes) and the batch job (`jobs/batch_analytics.py` and `jobs/fleetstream_jobs.zip`, what the
 * EMR step runs). The bucket is the stack's `DataBucketName` output. On a stage with EMR (an
 * `EmrCertificatesUri` output), it also creates the cluster's TLS certificates once
 * (plugins/emr-certificates.ts; needs `openssl` on the deploying machine).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import archiver from 'archiver';
import { tsImport } from 'tsx/esm/api';

/** The jobs package as a zip in memory, for spark-submit --py-files. */
async function zipPackage(dir) {
  const archive = archiver('zip');
  const chunks = [];
  archive.on('data', (chunk) => chunks.push(chunk));
  const done = new Promise((resolve, reject) => {
    archive.on('end', resolve);
    archive.on('error', reject);
  });
  archive.glob('fleetstream_jobs/**/*.py', { cwd: dir });
  await archive.finalize();
  await done;
  return Buffer.concat(chunks);
}

export default class UploadDataPlugin {
  /**
   * @param {{ service: { service: string }; config: { servicePath: string }; getProvider(name: string): { getStage(): string; getRegion(): string } }} serverless
   * @param {Record<string, unknown>} _options
   * @param {{ log: { notice(message: string): void } }} utils
   */
  constructor(serverless, _options, utils) {
    this.hooks = {
      'after:deploy:deploy': async () => {
        const provider = serverless.getProvider('aws');
        const region = provider.getRegion();
        const root = serverless.config.servicePath;
        const stackName = `${serverless.service.service}-${provider.getStage()}`;
        const cloudFormation = new CloudFormationClient({ region });
        const { Stacks } = await cloudFormation.send(new DescribeStacksCommand({ StackName: stackName }));
        const output = (key) => Stacks?.[0]?.Outputs?.find((o) => o.OutputKey === key)?.OutputValue;
        const bucket = output('DataBucketName');
        if (!bucket) throw new Error(`${stackName} has no DataBucketName output`);
        const s3 = new S3Client({ region, forcePathStyle: Boolean(process.env.AWS_ENDPOINT_URL) });
        const put = (Key, Body) => s3.send(new PutObjectCommand({ Bucket: bucket, Key, Body }));
        const csvs = readdirSync(join(root, 'data')).filter((file) => file.endsWith('.csv'));
        for (const file of csvs) await put(`dimensions/source/${file}`, readFileSync(join(root, 'data', file)));
        await put('jobs/batch_analytics.py', readFileSync(join(root, 'jobs', 'batch_analytics.py')));
        await put('jobs/fleetstream_jobs.zip', await zipPackage(join(root, 'jobs')));
        utils.log.notice(`Uploaded ${csvs.length} dimension CSVs and the batch job to s3://${bucket}`);
        const certificates = output('EmrCertificatesUri');
        if (certificates) {
          const { ensureEmrCertificates } = await tsImport('./emr-certificates.ts', import.meta.url);
          const done = await ensureEmrCertificates({ s3, uri: certificates, region });
          utils.log.notice(`EMR TLS certificates at ${certificates}: ${done}`);
        }
      },
    };
  }
}
