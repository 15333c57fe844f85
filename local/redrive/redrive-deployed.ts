import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { S3Client } from '@aws-sdk/client-s3';
import { GetQueueUrlCommand, SQSClient } from '@aws-sdk/client-sqs';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { createSqsFailureQueue } from '#src/adapters/aws/failure-queue.js';
import { createFunctionInvoker } from '#src/adapters/aws/function-invoker.js';
import { putRecords } from '#src/adapters/aws/kinesis-producer.js';
import { readRejectObjects } from '#src/adapters/aws/reject-objects.js';
import { createShardRangeReader } from '#src/adapters/aws/shard-range-reader.js';
import { type MessageOutcome, type RedriveFailuresResult, redriveFailures } from '#src/redrive/redrive-failures.js';
import { type SkippedReject, selectRejects } from '#src/redrive/redrive-rejects.js';
import type { Reject } from '#src/telemetry/event.js';
import { REDRIVE_FUNCTIONS } from './redrive-local.js';

/** Options of redriveDeployed. */
export interface DeployedRedriveOptions {
  mode: 'dlq' | 'rejects';
  stage: string;
  /** serverless.yml `service`. */
  service: string;
  region?: string;
  reason?: string;
  functions?: readonly (typeof REDRIVE_FUNCTIONS)[number][];
  /** With `rejects`: the key prefix under the rejects bucket (default `rejects/`). */
  prefix?: string;
  onOutcome?: (fn: string, outcome: MessageOutcome) => void;
}

/** What a redrive of a deployed stage did. */
export interface DeployedRedriveResult {
  mode: 'dlq' | 'rejects';
  stage: string;
  /** With `dlq`: per function, what happened to its queue's messages. */
  queues?: Record<string, RedriveFailuresResult>;
  /** With `rejects`: rejects read, matched, skipped, and the records put back on the stream. */
  rejects?: {
    bucket: string;
    stream: string;
    read: number;
    matched: number;
    skipped: SkippedReject[];
    by_reason: Record<string, number>;
    put: number;
  };
  complete: boolean;
}

/**
 * SDK settings for the stage: the default credential chain and region (or `region`); against an
 * emulator (AWS_ENDPOINT_URL on http://) HTTP/1.1, which Kinesis needs there, and path-style S3.
 */
function clientConfig(region: string | undefined) {
  const endpoint = process.env.AWS_ENDPOINT_URL;
  return {
    ...(region ? { region } : {}),
    ...(endpoint?.startsWith('http:') ? { requestHandler: new NodeHttpHandler() } : {}),
  };
}

/**
 * Redrives a deployed stage. `dlq`: each function's on-failure queue
 * (`<service>-<stage>-<function>-failures`, resources/streaming.yml) through redriveFailures: the
 * range re-read from the stream and sent to `<service>-<stage>-<function>` with Invoke, the message
 * deleted once the function took it all. `rejects`: the rejects under `rejects/` in the stage's
 * rejects bucket (stack output RejectsBucketName) put back on its stream (TelemetryStreamName) with
 * PutRecords, so the deployed pipeline judges them again; a payload accepted before is a duplicate
 * by its event id. The reject objects stay where they are.
 *
 * @example const result = await redriveDeployed({ mode: 'dlq', stage: 'dev', service: 'fleetstream' });
 */
export async function redriveDeployed(options: DeployedRedriveOptions): Promise<DeployedRedriveResult> {
  const config = clientConfig(options.region);
  const result: DeployedRedriveResult = { mode: options.mode, stage: options.stage, complete: true };
  if (options.mode === 'dlq') {
    const sqs = new SQSClient(config);
    const kinesis = new KinesisClient(config);
    const lambda = new LambdaClient(config);
    try {
      const region = await kinesis.config.region();
      result.queues = {};
      const reader = createShardRangeReader({ client: kinesis, now: Date.now });
      for (const fn of options.functions ?? REDRIVE_FUNCTIONS) {
        const { QueueUrl } = await sqs.send(
          new GetQueueUrlCommand({ QueueName: `${options.service}-${options.stage}-${fn}-failures` }),
        );
        const tally = await redriveFailures({
          queue: createSqsFailureQueue({ client: sqs, queueUrl: QueueUrl! }),
          reader,
          target: createFunctionInvoker({
            client: lambda,
            functionName: `${options.service}-${options.stage}-${fn}`,
            region,
          }),
          ...(options.onOutcome ? { onOutcome: (outcome: MessageOutcome) => options.onOutcome!(fn, outcome) } : {}),
        });
        result.queues[fn] = tally;
        if (tally.messages.expired + tally.messages.failed + tally.messages.invalid > 0) result.complete = false;
      }
    } finally {
      for (const client of [sqs, kinesis, lambda]) client.destroy();
    }
    return result;
  }
  const cloudFormation = new CloudFormationClient(config);
  const s3 = new S3Client({ ...config, ...(process.env.AWS_ENDPOINT_URL ? { forcePathStyle: true } : {}) });
  const kinesis = new KinesisClient(config);
  try {
    const stackName = `${options.service}-${options.stage}`;
    const { Stacks } = await cloudFormation.send(new DescribeStacksCommand({ StackName: stackName }));
    const outputs = Object.fromEntries((Stacks?.[0]?.Outputs ?? []).map((o) => [o.OutputKey, o.OutputValue]));
    const bucket = outputs.RejectsBucketName;
    const stream = outputs.TelemetryStreamName;
    if (!bucket || !stream)
      throw new Error(`stack ${stackName} has no RejectsBucketName or TelemetryStreamName output`);
    const rejects: Reject[] = [];
    for await (const reject of readRejectObjects({ client: s3, bucket, prefix: options.prefix ?? 'rejects/' }))
      rejects.push(reject);
    const selection = selectRejects(rejects, options.reason);
    const encoder = new TextEncoder();
    const put = await putRecords(
      { client: kinesis, streamName: stream },
      selection.records.map((record) => ({
        partitionKey: record.partitionKey,
        data: typeof record.data === 'string' ? encoder.encode(record.data) : record.data,
      })),
    );
    result.rejects = {
      bucket,
      stream,
      read: selection.read,
      matched: selection.matched,
      skipped: selection.skipped,
      by_reason: selection.byReason,
      put: put.put,
    };
    if (selection.skipped.length > 0) result.complete = false;
  } finally {
    for (const client of [cloudFormation, s3, kinesis]) client.destroy();
  }
  return result;
}
