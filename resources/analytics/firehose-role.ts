import { type AnalyticsOptions, deliveryLogGroupName, getAtt, type Resource, ref, stackPrefix, sub } from './cfn.js';

/** The role the lake's Firehose streams assume: write the lake bucket, read the Glue schema, log. */
export function firehoseRole(options: AnalyticsOptions): Resource {
  return {
    Type: 'AWS::IAM::Role',
    Properties: {
      RoleName: sub(`${stackPrefix(options)}-firehose-\${AWS::Region}`),
      AssumeRolePolicyDocument: {
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Principal: { Service: 'firehose.amazonaws.com' },
            Action: 'sts:AssumeRole',
            Condition: { StringEquals: { 'sts:ExternalId': ref('AWS::AccountId') } },
          },
        ],
      },
      Policies: [
        {
          PolicyName: 'firehose',
          PolicyDocument: {
            Version: '2012-10-17',
            Statement: [
              {
                Sid: 'WriteLake',
                Effect: 'Allow',
                Action: [
                  's3:AbortMultipartUpload',
                  's3:GetBucketLocation',
                  's3:GetObject',
                  's3:ListBucket',
                  's3:ListBucketMultipartUploads',
                  's3:PutObject',
                ],
                Resource: [getAtt('LakeBucket', 'Arn'), sub('${LakeBucket.Arn}/*')],
              },
              {
                Sid: 'ReadTableSchemas',
                Effect: 'Allow',
                Action: ['glue:GetTable', 'glue:GetTableVersion', 'glue:GetTableVersions'],
                Resource: [
                  sub('arn:${AWS::Partition}:glue:${AWS::Region}:${AWS::AccountId}:catalog'),
                  sub('arn:${AWS::Partition}:glue:${AWS::Region}:${AWS::AccountId}:database/${GlueDatabase}'),
                  sub('arn:${AWS::Partition}:glue:${AWS::Region}:${AWS::AccountId}:table/${GlueDatabase}/*'),
                ],
              },
              {
                Sid: 'EncryptViaS3',
                Effect: 'Allow',
                Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
                Resource: sub('arn:${AWS::Partition}:kms:${AWS::Region}:${AWS::AccountId}:key/*'),
                Condition: { StringEquals: { 'kms:ViaService': sub('s3.${AWS::Region}.amazonaws.com') } },
              },
              {
                Sid: 'DeliveryLogs',
                Effect: 'Allow',
                Action: 'logs:PutLogEvents',
                Resource: sub(
                  `arn:\${AWS::Partition}:logs:\${AWS::Region}:\${AWS::AccountId}:log-group:${deliveryLogGroupName(options)}:*`,
                ),
              },
            ],
          },
        },
      ],
    },
  };
}
