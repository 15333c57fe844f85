import { TABLES } from '#src/schema/registry.js';
import { type AnalyticsOptions, deliveryLogGroupName, logGroup, pascal, type Resources, ref } from './cfn.js';

/** The delivery log group and one log stream per delivery stream (Firehose does not create them). */
export function deliveryLogs(options: AnalyticsOptions): Resources {
  const resources: Resources = {
    FirehoseLogGroup: logGroup(options, deliveryLogGroupName(options)),
  };
  const streams = TABLES.map((table) => `lake-${table}`);
  for (const stream of streams)
    resources[`FirehoseLog${pascal(stream)}`] = {
      Type: 'AWS::Logs::LogStream',
      Properties: { LogGroupName: ref('FirehoseLogGroup'), LogStreamName: stream },
    };
  return resources;
}
