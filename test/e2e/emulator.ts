import { existsSync, readFileSync } from 'node:fs';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { CloudWatchLogsClient, FilterLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { DescribeExecutionCommand, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import { NodeHttpHandler } from '@smithy/node-http-handler';

/** Where scripts/test-e2e.sh started the emulator (AWS_ENDPOINT_URL) and the placeholder credentials. */
const config = {
  endpoint: process.env.AWS_ENDPOINT_URL ?? 'http://127.0.0.1:4566',
  region: process.env.AWS_REGION ?? 'eu-west-1',
  credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  // Plain HTTP/1.1: the Kinesis client defaults to HTTP/2, which the emulators do not speak.
  requestHandler: new NodeHttpHandler(),
};

/** SDK clients pointed at the emulator. */
export const clients = {
  cloudFormation: new CloudFormationClient(config),
  kinesis: new KinesisClient(config),
  lambda: new LambdaClient(config),
  logs: new CloudWatchLogsClient(config),
  s3: new S3Client({ ...config, forcePathStyle: true }),
  sns: new SNSClient(config),
  sqs: new SQSClient(config),
  sfn: new SFNClient(config),
};

/** Closes every client's sockets. */
export function destroyClients(): void {
  for (const client of Object.values(clients)) client.destroy();
}

/** The deployed stack's outputs, by key. */
export async function stackOutputs(stackName = 'fleetstream-local'): Promise<Record<string, string>> {
  const { Stacks } = await clients.cloudFormation.send(new DescribeStacksCommand({ StackName: stackName }));
  return Object.fromEntries((Stacks?.[0]?.Outputs ?? []).map((o) => [o.OutputKey!, o.OutputValue!]));
}

/** Every line of every JSONL object under a prefix. */
export async function readJsonlObjects(bucket: string, prefix: string): Promise<Record<string, unknown>[]> {
  const rows: Record<string, unknown>[] = [];
  let ContinuationToken: string | undefined;
  do {
    const page = await clients.s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken }));
    for (const object of page.Contents ?? []) {
      const body = await clients.s3.send(new GetObjectCommand({ Bucket: bucket, Key: object.Key! }));
      const text = await body.Body!.transformToString();
      for (const line of text.split('\n')) if (line.trim()) rows.push(JSON.parse(line));
    }
    ContinuationToken = page.NextContinuationToken;
  } while (ContinuationToken);
  return rows;
}

/** The newest log lines of a function, from CloudWatch Logs in the emulator. */
export async function functionLog(functionName: string, lines = 40): Promise<string> {
  try {
    const { events } = await clients.logs.send(
      new FilterLogEventsCommand({ logGroupName: `/aws/lambda/${functionName}` }),
    );
    return (events ?? [])
      .map((event) => event.message?.trimEnd() ?? '')
      .slice(-lines)
      .join('\n');
  } catch (error) {
    return `(no log for ${functionName}: ${(error as Error).message})`;
  }
}

/**
 * Polls `check` until it returns a value, or fails after `timeoutMs` with what it last saw and the
 * newest log lines of the deployed functions: a broken function shows its error, not a bare timeout.
 */
export async function waitFor<T>(
  description: string,
  check: () => Promise<T | undefined>,
  options: { timeoutMs?: number; functions: string[]; lastSeen?: () => string },
): Promise<T> {
  const deadline = Date.now() + (options.timeoutMs ?? 120_000);
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) {
      const logs = await Promise.all(options.functions.map(async (name) => `--- ${name}\n${await functionLog(name)}`));
      const emulatorLog = process.env.MINISTACK_LOG;
      if (emulatorLog && existsSync(emulatorLog))
        logs.push(
          `--- the emulator's log (${emulatorLog})\n${readFileSync(emulatorLog, 'utf8').split('\n').slice(-40).join('\n')}`,
        );
      throw new Error(
        `timed out waiting for ${description}${options.lastSeen ? ` (last seen: ${options.lastSeen()})` : ''}\n${logs.join('\n')}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}

/** Thrown when a deployed function fails; the message carries its error and the tail of its log. */
export class FunctionFailedError extends Error {
  override readonly name = 'FunctionFailedError';
}

/** Invokes a deployed function synchronously; a function error throws with the function's own log. */
export async function invokeFunction(functionName: string, payload: unknown): Promise<unknown> {
  const answer = await clients.lambda.send(
    new InvokeCommand({ FunctionName: functionName, LogType: 'Tail', Payload: Buffer.from(JSON.stringify(payload)) }),
  );
  const body = Buffer.from(answer.Payload ?? []).toString('utf8');
  if (answer.FunctionError) {
    const log = answer.LogResult
      ? Buffer.from(answer.LogResult, 'base64').toString('utf8')
      : await functionLog(functionName);
    throw new FunctionFailedError(`${functionName} failed (${answer.FunctionError}): ${body}\n--- its log:\n${log}`);
  }
  return body ? JSON.parse(body) : undefined;
}

/**
 * Starts a deployed state machine (`fleetstream-local-<name>`) and waits for it to end; resolves to
 * its status and output, with the functions' log on a timeout.
 */
export async function runExecution(
  name: string,
  input: unknown,
  functions: string[],
): Promise<{ status: string; output: unknown; error?: string; cause?: string }> {
  const { region } = config;
  const stateMachineArn = `arn:aws:states:${region}:000000000000:stateMachine:fleetstream-local-${name}`;
  const { executionArn } = await clients.sfn.send(
    new StartExecutionCommand({ stateMachineArn, input: JSON.stringify(input) }),
  );
  let status = 'RUNNING';
  return waitFor(
    `${name} to end`,
    async () => {
      const execution = await clients.sfn.send(new DescribeExecutionCommand({ executionArn }));
      status = execution.status ?? 'UNKNOWN';
      if (status === 'RUNNING') return undefined;
      return {
        status,
        output: execution.output ? JSON.parse(execution.output) : undefined,
        ...(execution.error ? { error: execution.error } : {}),
        ...(execution.cause ? { cause: execution.cause } : {}),
      };
    },
    { functions, timeoutMs: 120_000, lastSeen: () => status },
  );
}
