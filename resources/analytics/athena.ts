import { type AnalyticsOptions, pascal, type Resources, ref, stackPrefix, sub } from './cfn.js';
import { privateBucket } from './private-bucket.js';

/** Athena: a workgroup with encrypted results and a scan limit, and the named queries of queries/. */
export function athena(options: AnalyticsOptions): Resources {
  const resources: Resources = {
    ...privateBucket(options, 'AthenaResultsBucket', `${stackPrefix(options)}-athena-results`, [
      { Id: 'ExpireResults', Status: 'Enabled', ExpirationInDays: 30 },
    ]),
    AthenaWorkGroup: {
      Type: 'AWS::Athena::WorkGroup',
      Properties: {
        Name: stackPrefix(options),
        Description: 'fleetstream named queries over the Glue tables',
        State: 'ENABLED',
        WorkGroupConfiguration: {
          EnforceWorkGroupConfiguration: true,
          PublishCloudWatchMetricsEnabled: true,
          BytesScannedCutoffPerQuery: options.athenaBytesScannedCutoff,
          ResultConfiguration: {
            OutputLocation: sub('s3://${AthenaResultsBucket}/results/'),
            EncryptionConfiguration: { EncryptionOption: 'SSE_S3' },
          },
        },
      },
    },
  };
  for (const query of options.namedQueries) {
    resources[`NamedQuery${pascal(query.name)}`] = {
      Type: 'AWS::Athena::NamedQuery',
      Properties: {
        Name: query.name,
        Description: query.description.slice(0, 1024),
        Database: ref('GlueDatabase'),
        WorkGroup: ref('AthenaWorkGroup'),
        QueryString: query.sql,
      },
    };
  }
  return resources;
}
