import { countParameters } from '#src/adapters/file/named-queries.js';
import { type AnalyticsOptions, pascal, type Resources, ref, stackPrefix, sub } from './cfn.js';
import { privateBucket } from './private-bucket.js';

/** A named query's description and what its execution parameters are (the dt window, per table read). */
export function windowedDescription(query: { description: string; sql: string }): string {
  const count = countParameters(query.sql);
  if (count === 0) return query.description;
  return `${query.description} Execution parameters (${count}): the first and last day of its event-time window, as quoted 'yyyy-MM-dd' literals, once per table read.`;
}

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
        // Athena prompts for a saved query's `?` values in order with no names: the description says what they are.
        Description: windowedDescription(query).slice(0, 1024),
        Database: ref('GlueDatabase'),
        WorkGroup: ref('AthenaWorkGroup'),
        QueryString: query.sql,
      },
    };
  }
  return resources;
}
