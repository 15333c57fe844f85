import { readS3Text, s3DimensionStore } from '#src/adapters/aws/s3-objects.js';
import { AwsClients } from '../shared/clients.js';
import { readConfig, requireSetting } from '../shared/config.js';
import { createLoadDimensionsHandler } from './create-load-dimensions-handler.js';

const config = readConfig(process.env);
const bucket = requireSetting(config, 'dataBucket');
const { s3 } = new AwsClients();

/** The Lambda entry point (serverless.yml `functions.loadDimensions`), run by the load-dimensions state machine. */
export const handler = createLoadDimensionsHandler({
  readCsv: async (table) => {
    const key = `dimensions/source/${table}.csv`;
    const text = await readS3Text(s3, bucket, key);
    if (text === undefined) throw new Error(`s3://${bucket}/${key} is missing: deploy uploads data/*.csv there`);
    return text;
  },
  store: s3DimensionStore(s3, bucket, 'dimensions/store'),
  now: Date.now,
});
