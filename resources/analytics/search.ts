import {
  type AnalyticsOptions,
  getAtt,
  keepsState,
  logGroup,
  pascal,
  type Resources,
  searchDomainArn,
  searchDomainName,
  stackPrefix,
  sub,
} from './cfn.js';

/** The tag an IAM principal of the account needs to assume the search admin role. */
export const SEARCH_ADMIN_TAG = 'fleetstream-search-admin';

/**
 * The domain's log types, each published to a log group of its own. Audit logs need fine-grained
 * access control (on) and then audit logging switched on inside the domain, which
 * `fleetstream dashboards import` does.
 * https://docs.aws.amazon.com/opensearch-service/latest/developerguide/createdomain-configure-slow-logs.html
 * https://docs.aws.amazon.com/opensearch-service/latest/developerguide/audit-logs.html
 */
const SEARCH_LOGS = {
  ES_APPLICATION_LOGS: 'application',
  SEARCH_SLOW_LOGS: 'search-slow',
  INDEX_SLOW_LOGS: 'index-slow',
  AUDIT_LOGS: 'audit',
} as const;

/** The log group a search log type goes to. */
const searchLogGroupName = (options: AnalyticsOptions, kind: string) =>
  `/aws/opensearch/domains/${stackPrefix(options)}/${kind}`;

/**
 * The domain's log groups and the CloudWatch Logs resource policy that lets OpenSearch Service (for
 * this domain only) write to them; the domain cannot be created before the policy exists.
 */
function searchLogs(options: AnalyticsOptions): Resources {
  const resources: Resources = {};
  for (const kind of Object.values(SEARCH_LOGS))
    resources[`SearchLogGroup${pascal(kind)}`] = logGroup(options, searchLogGroupName(options, kind));
  const policy = {
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Principal: { Service: 'es.amazonaws.com' },
        Action: ['logs:PutLogEvents', 'logs:CreateLogStream'],
        Resource: `arn:\${AWS::Partition}:logs:\${AWS::Region}:\${AWS::AccountId}:log-group:/aws/opensearch/domains/${stackPrefix(options)}/*`,
        Condition: {
          StringEquals: { 'aws:SourceAccount': '${AWS::AccountId}' },
          ArnLike: { 'aws:SourceArn': searchDomainArn(options) },
        },
      },
    ],
  };
  resources.SearchLogsResourcePolicy = {
    Type: 'AWS::Logs::ResourcePolicy',
    Properties: { PolicyName: `${stackPrefix(options)}-opensearch-logs`, PolicyDocument: sub(JSON.stringify(policy)) },
  };
  return resources;
}

/**
 * The OpenSearch domain, its logs and the role that administers it. ingest and aggregate index into
 * it themselves with signed `_bulk` requests, `_id` each row's id, so a redelivered row overwrites
 * itself: Firehose's OpenSearch destination gives documents ids of its own and cannot take the
 * event's (https://docs.aws.amazon.com/firehose/latest/APIReference/API_DocumentIdOptions.html).
 */
export function search(options: AnalyticsOptions): Resources {
  const multiNode = options.searchInstanceCount > 1;
  const resources: Resources = {
    // Operators assume this role to administer the domain (fine-grained access control master user),
    // to run `fleetstream dashboards import` and to map the function roles to a backend role. Only
    // principals of this account tagged for this stage may: the account alone would let any role in.
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
              Condition: { StringEquals: { [`aws:PrincipalTag/${SEARCH_ADMIN_TAG}`]: stackPrefix(options) } },
            },
          ],
        },
      },
    },
    ...searchLogs(options),
    SearchDomain: {
      Type: 'AWS::OpenSearchService::Domain',
      ...keepsState(options),
      DependsOn: [
        'SearchLogsResourcePolicy',
        ...Object.values(SEARCH_LOGS).map((kind) => `SearchLogGroup${pascal(kind)}`),
      ],
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
        // The log group's ARN as the OpenSearch API documents it, without GetAtt's trailing `:*`.
        LogPublishingOptions: Object.fromEntries(
          Object.entries(SEARCH_LOGS).map(([type, kind]) => [
            type,
            {
              Enabled: true,
              CloudWatchLogsLogGroupArn: sub(
                `arn:\${AWS::Partition}:logs:\${AWS::Region}:\${AWS::AccountId}:log-group:${searchLogGroupName(options, kind)}`,
              ),
            },
          ]),
        ),
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
              Principal: {
                AWS: [getAtt('SearchAdminRole', 'Arn'), getAtt('IngestRole', 'Arn'), getAtt('AggregateRole', 'Arn')],
              },
              Action: 'es:ESHttp*',
              Resource: sub(`${searchDomainArn(options)}/*`),
            },
          ],
        },
      },
    },
  };
  return resources;
}
