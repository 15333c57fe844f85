import { getAtt, type Resources, ref, sub } from './cfn.js';

/**
 * An encrypted (KMS), private bucket that refuses plain HTTP, with the given lifecycle rules.
 *
 * @example privateBucket('AthenaResultsBucket', 'fleetstream-dev-athena-results', [{ Id: 'Expire', Status: 'Enabled', ExpirationInDays: 30 }])
 */
export function privateBucket(id: string, name: string, lifecycle: Record<string, unknown>[]): Resources {
  return {
    [id]: {
      Type: 'AWS::S3::Bucket',
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
        LifecycleConfiguration: { Rules: lifecycle },
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
