import { S3Client } from '@aws-sdk/client-s3';
import { readS3Text, s3DimensionStore } from '../src/adapters/aws/s3-objects.js';
import { createLoadDimensionsHandler } from './commons/load-dimensions-handler.js';

const bucket = process.env.FLEETSTREAM_DATA_BUCKET;
if (!bucket) throw new Error('FLEETSTREAM_DATA_BUCKET is not set');
const client = new S3Client({});

/** The Lambda entry point (serverless.yml `functions.loadDimensions`), run by the load-dimensions state machine. */
export const handler = createLoadDimensionsHandler({
  readCsv: async (table) => {
    const key = `dimensions/source/${table}.csv`;
    const text = await readS3Text(client, bucket, key);
    if (text === undefined) throw new Error(`s3://${bucket}/${key} is missing: deploy uploads data/*.csv there`);
    return text;
  },
  store: s3DimensionStore(client, bucket, 'dimensions/store'),
  now: Date.now,
});
