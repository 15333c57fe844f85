// CloudFormation building blocks shared by the analytics modules.

import type { TableName } from '#src/schema/registry.js';
import { deliveryStreamName, deliveryStreamPrefixes } from '#src/sinks/delivery-streams.js';

/** A CloudFormation resource. */
export interface Resource {
  Type: string;
  Condition?: string;
  DependsOn?: string[];
  DeletionPolicy?: 'Delete' | 'Retain';
  UpdateReplacePolicy?: 'Delete' | 'Retain';
  /** Checks waived for this resource, each with its reason (checkov reads `Metadata.checkov.skip`). */
  Metadata?: { checkov: { skip: { id: string; comment: string }[] } };
  Properties: Record<string, unknown>;
}

/** Logical id → resource, as a template's `Resources` holds them. */
export type Resources = Record<string, Resource>;

/** What the analytics modules need from serverless.yml (the stage's params) and queries/. */
export interface AnalyticsOptions {
  service: string;
  stage: string;
  lakeBufferSizeMb: number;
  lakeBufferIntervalSeconds: number;
  searchInstanceType: string;
  searchInstanceCount: number;
  searchVolumeGb: number;
  athenaBytesScannedCutoff: number;
  logRetentionInDays: number;
  /** `Delete` or `Retain`: what a stack delete or a replacing update does to the stage's state. */
  deletionPolicy: 'Delete' | 'Retain';
  namedQueries: { name: string; description: string; sql: string }[];
}

/** CloudFormation's `Fn::Sub`, `Ref` and `Fn::GetAtt` as plain objects. */
export const sub = (text: string) => ({ 'Fn::Sub': text });
export const ref = (id: string) => ({ Ref: id });
export const getAtt = (id: string, attribute: string) => ({ 'Fn::GetAtt': [id, attribute] });

/** The stage's deletion policy on both attributes, for a resource that holds state. */
export const keepsState = (options: AnalyticsOptions) => ({
  DeletionPolicy: options.deletionPolicy,
  UpdateReplacePolicy: options.deletionPolicy,
});

/** A log group of the stage: its retention, the ops key (resources/operations.yml), the deletion policy. */
export function logGroup(options: AnalyticsOptions, name: string): Resource {
  return {
    Type: 'AWS::Logs::LogGroup',
    ...keepsState(options),
    Properties: {
      LogGroupName: name,
      RetentionInDays: options.logRetentionInDays,
      KmsKeyId: getAtt('OpsKey', 'Arn'),
    },
  };
}

/** `car_sensor` → `CarSensor`, for logical ids. */
export const pascal = (name: string) =>
  name
    .split(/[_-]/)
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('');

/** `<service>-<stage>`: the prefix of every physical name of the stage. */
export const stackPrefix = (options: AnalyticsOptions) => `${options.service}-${options.stage}`;

/** The Firehose stream that carries a lake table (the functions find it by the same rule). */
export function lakeStreamName(options: AnalyticsOptions, table: TableName): string {
  return deliveryStreamName(deliveryStreamPrefixes(options.service, options.stage).lake, table);
}

/** The Firehose delivery log group of the stage. */
export const deliveryLogGroupName = (options: AnalyticsOptions) => `/aws/kinesisfirehose/${stackPrefix(options)}`;

/** The OpenSearch domain's name: at most 28 characters. */
export function searchDomainName(options: AnalyticsOptions): string {
  const name = stackPrefix(options);
  // serverless.yml names the domain in the functions' IAM policies the same way, uncut.
  if (name.length > 28)
    throw new Error(`the search domain name ${name} is over 28 characters: use a shorter stage name`);
  return name;
}

/** The OpenSearch domain's ARN built from its name (a GetAtt would make policies depend on each other). */
export function searchDomainArn(options: AnalyticsOptions): string {
  return `arn:\${AWS::Partition}:es:\${AWS::Region}:\${AWS::AccountId}:domain/${searchDomainName(options)}`;
}
