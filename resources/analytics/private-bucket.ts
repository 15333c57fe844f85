import { type AnalyticsOptions, getAtt, keepsState, type Resources, ref, sub } from './cfn.js';

/**
 * An encrypted (KMS), private, versioned bucket that refuses plain HTTP and logs its access to the
 * access-log bucket (resources/operations.yml), with the given lifecycle rules; noncurrent versions
 * expire after a day, so only a mistaken overwrite or delete stays recoverable.
 *
 * @example privateBucket(options, 'AthenaResultsBucket', 'fleetstream-dev-athena-results', [{ Id: 'Expire', Status: 'Enabled', ExpirationInDays: 30 }])
 */
export function privateBucket(
  options: AnalyticsOptions,
  id: string,
  name: string,
  lifecycle: Record<string, unknown>[],
): Resources {
  return {
    [id]: {
      Type: 'AWS::S3::Bucket',
      ...keepsState(options),
      Properties: {
        BucketName: sub(`${name}-\${AWS::AccountId}-\${AWS::Region}`),
        BucketEncryption: {
          ServerSideEncryptionConfiguration: [
            { ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms' }, BucketKeyEnabled: true },
          ],
        },
        PublicAccessBlockConfiguration: {
          BlockPublicAcls: true,
          BlockPublicPolicy: true,
          IgnorePublicAcls: true,
          RestrictPublicBuckets: true,
        },
        OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
        VersioningConfiguration: { Status: 'Enabled' },
        LoggingConfiguration: { DestinationBucketName: ref('AccessLogsBucket'), LogFilePrefix: `${name}/` },
        LifecycleConfiguration: {
          Rules: [
            ...lifecycle.map((rule) => ({ NoncurrentVersionExpiration: { NoncurrentDays: 1 }, ...rule })),
            { Id: 'RemoveExpiredDeleteMarkers', Status: 'Enabled', ExpiredObjectDeleteMarker: true },
          ],
        },
      },
    },
    [`${id}TlsOnly`]: {
      Type: 'AWS::S3::BucketPolicy',
      Properties: {
        Bucket: ref(id),
        PolicyDocument: {
          Version: '2012-10-17',
          Statement: [
            {
              Sid: 'DenyInsecureTransport',
              Effect: 'Deny',
              Principal: '*',
              Action: 's3:*',
              Resource: [getAtt(id, 'Arn'), sub(`\${${id}.Arn}/*`)],
              Condition: { Bool: { 'aws:SecureTransport': false } },
            },
          ],
        },
      },
    },
  };
}
