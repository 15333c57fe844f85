// serverless.yml: `${file(resources/analytics.js):resources}`. The analytics resources for the
// stage, generated at package time from schemas/ and queries/ by resources/analytics/ (one module per concern);
// none on a stage whose `analytics` param is false (an emulator has no Parquet conversion,
// Glue, Athena or OpenSearch domains).
import { fileURLToPath } from 'node:url';
import { tsImport } from 'tsx/esm/api';

/** @param {{ resolveVariable(address: string): Promise<unknown> }} context */
export async function resources({ resolveVariable }) {
  const param = (name) => resolveVariable(`param:${name}`);
  if (String(await param('analytics')) !== 'true') return { Resources: {} };
  const { analyticsTemplate } = await tsImport('./analytics/index.ts', import.meta.url);
  const { listNamedQueries } = await tsImport('../src/adapters/file/named-queries.ts', import.meta.url);
  return analyticsTemplate({
    service: String(await resolveVariable('self:service')),
    stage: String(await resolveVariable('sls:stage')),
    lakeBufferSizeMb: Number(await param('lakeBufferSizeMb')),
    lakeBufferIntervalSeconds: Number(await param('lakeBufferIntervalSeconds')),
    searchInstanceType: String(await param('searchInstanceType')),
    searchInstanceCount: Number(await param('searchInstanceCount')),
    searchVolumeGb: Number(await param('searchVolumeGb')),
    athenaBytesScannedCutoff: Number(await param('athenaBytesScannedCutoff')),
    logRetentionInDays: Number(await param('logRetentionInDays')),
    deletionPolicy: String(await param('deletionPolicy')),
    namedQueries: listNamedQueries(fileURLToPath(new URL('..', import.meta.url))),
  });
}
