import { INDEX_FAMILIES } from '#src/search/index-templates.js';
import {
  type AnalyticsOptions,
  deliveryLogGroupName,
  getAtt,
  pascal,
  type Resources,
  searchDomainArn,
  searchDomainName,
  searchStreamName,
  stackPrefix,
  sub,
} from './cfn.js';

/** The OpenSearch domain, the role that administers it, and one Firehose stream per index family. */
export function search(options: AnalyticsOptions): Resources {
  const multiNode = options.searchInstanceCount > 1;
  const resources: Resources = {
    // Operators assume this role to administer the domain (fine-grained access control master user)
    // and to map the Firehose role to a backend role; nothing else gets in.
    SearchAdminRole: {
      Type: 'AWS::IAM::Role',
      Properties: {
        RoleName: sub(`${stackPrefix(options)}-search-admin-\${AWS::Region}`),
        AssumeRolePolicyDocument: {
          Version: '2012-10-17',
          Statement: [
            {
              Effect: 'Allow',
              Principal: { AWS: sub('arn:${AWS::Partition}:iam::${AWS::AccountId}:root') },
              Action: 'sts:AssumeRole',
            },
          ],
        },
      },
    },
    SearchDomain: {
      Type: 'AWS::OpenSearchService::Domain',
      Properties: {
        DomainName: searchDomainName(options),
        EngineVersion: 'OpenSearch_2.19',
        ClusterConfig: {
          InstanceType: options.searchInstanceType,
          InstanceCount: options.searchInstanceCount,
          ZoneAwarenessEnabled: multiNode,
          ...(multiNode
            ? { ZoneAwarenessConfig: { AvailabilityZoneCount: Math.min(3, options.searchInstanceCount) } }
            : {}),
        },
        EBSOptions: { EBSEnabled: true, VolumeType: 'gp3', VolumeSize: options.searchVolumeGb },
        EncryptionAtRestOptions: { Enabled: true },
        NodeToNodeEncryptionOptions: { Enabled: true },
        DomainEndpointOptions: { EnforceHTTPS: true, TLSSecurityPolicy: 'Policy-Min-TLS-1-2-2019-07' },
        AdvancedSecurityOptions: {
          Enabled: true,
          InternalUserDatabaseEnabled: false,
          MasterUserOptions: { MasterUserARN: getAtt('SearchAdminRole', 'Arn') },
        },
        AccessPolicies: {
          Version: '2012-10-17',
          Statement: [
            {
              Effect: 'Allow',
              Principal: { AWS: [getAtt('SearchAdminRole', 'Arn'), getAtt('FirehoseRole', 'Arn')] },
              Action: 'es:ESHttp*',
              Resource: sub(`${searchDomainArn(options)}/*`),
            },
          ],
        },
      },
    },
  };
  for (const [name, family] of Object.entries(INDEX_FAMILIES)) {
    resources[`Search${pascal(name)}Stream`] = {
      Type: 'AWS::KinesisFirehose::DeliveryStream',
      Properties: {
        DeliveryStreamName: searchStreamName(options, name),
        DeliveryStreamType: 'DirectPut',
        DeliveryStreamEncryptionConfigurationInput: { KeyType: 'AWS_OWNED_CMK' },
        AmazonopensearchserviceDestinationConfiguration: {
          DomainARN: getAtt('SearchDomain', 'Arn'),
          IndexName: family.prefix,
          IndexRotationPeriod: 'OneDay',
          RoleARN: getAtt('FirehoseRole', 'Arn'),
          BufferingHints: { IntervalInSeconds: 60, SizeInMBs: 5 },
          RetryOptions: { DurationInSeconds: 300 },
          S3BackupMode: 'FailedDocumentsOnly',
          S3Configuration: {
            BucketARN: getAtt('LakeBucket', 'Arn'),
            RoleARN: getAtt('FirehoseRole', 'Arn'),
            Prefix: `search-failed/${name}/`,
            ErrorOutputPrefix: `search-failed/${name}/errors/`,
            CompressionFormat: 'GZIP',
          },
          CloudWatchLoggingOptions: {
            Enabled: true,
            LogGroupName: deliveryLogGroupName(options),
            LogStreamName: `search-${name}`,
          },
        },
      },
    };
  }
  return resources;
}
