import {
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  type HistoryEvent,
  paginateListStateMachines,
  type SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import type { StateMachineName } from './run-state-machine.js';

/** The deployed name of each machine: `<service>-<stage>-<Name>` (serverless.yml `stepFunctions`). */
export const DEPLOYED_NAMES: Record<StateMachineName, string> = {
  'load-dimensions': 'LoadDimensions',
  replay: 'Replay',
  'batch-analytics': 'BatchAnalytics',
};

/** The history events that end an execution, and the status each one means. */
const ENDINGS: Record<string, string> = {
  ExecutionSucceeded: 'SUCCEEDED',
  ExecutionFailed: 'FAILED',
  ExecutionTimedOut: 'TIMED_OUT',
  ExecutionAborted: 'ABORTED',
};

/** Options of runDeployedStateMachine. */
export interface DeployedSfnOptions {
  client: SFNClient;
  stage: string;
  /** serverless.yml `service` (default fleetstream). */
  service?: string;
  /** Called with one line per state entered and per failure, in the order of the history. */
  onEvent?: (line: string) => void;
  /** How long to wait between history reads while the execution runs (default 1 s). */
  pollMs?: number;
  /** Waits between reads; tests pass one that does not. */
  sleep?: (ms: number) => Promise<void>;
}

/** What a deployed execution did. */
export interface DeployedExecution {
  executionArn: string;
  status: string;
  output: unknown;
  error?: { error: string; cause: string };
  states: string[];
}

/** A thrown error naming the machine that is not deployed on the stage. */
export class StateMachineNotDeployedError extends Error {
  override readonly name = 'StateMachineNotDeployedError';
}

/** The ARN of `<service>-<stage>-<Name>`, found by name (the account id is never needed). */
async function findStateMachineArn(client: SFNClient, machineName: string): Promise<string> {
  for await (const page of paginateListStateMachines({ client }, {}))
    for (const machine of page.stateMachines ?? []) if (machine.name === machineName) return machine.stateMachineArn!;
  throw new StateMachineNotDeployedError(
    `no state machine ${machineName} in this account and region: deploy the stage, or check AWS_REGION`,
  );
}

/**
 * The events added to an execution's history since `lastId`, oldest first. Reads newest first
 * (reverseOrder) and stops at the first event already seen, so a long history is not re-read on
 * every poll. https://docs.aws.amazon.com/step-functions/latest/apireference/API_GetExecutionHistory.html
 */
async function newEvents(client: SFNClient, executionArn: string, lastId: number): Promise<HistoryEvent[]> {
  const fresh: HistoryEvent[] = [];
  let nextToken: string | undefined;
  do {
    const page = await client.send(
      new GetExecutionHistoryCommand({ executionArn, reverseOrder: true, maxResults: 100, nextToken }),
    );
    for (const event of page.events ?? []) {
      if ((event.id ?? 0) <= lastId) return fresh.reverse();
      fresh.push(event);
    }
    nextToken = page.nextToken;
  } while (nextToken);
  return fresh.reverse();
}

/** The error and cause of a failure event, whichever kind it is. */
function failureOf(event: HistoryEvent): { error: string; cause: string } | undefined {
  for (const [key, value] of Object.entries(event))
    if (key.endsWith('EventDetails') && value && typeof value === 'object' && 'error' in value)
      return { error: String(value.error ?? ''), cause: String((value as { cause?: string }).cause ?? '') };
  return undefined;
}

/**
 * Starts `<service>-<stage>-<Name>` with the AWS SDK (credentials from the default chain, region
 * from the environment or profile), reports each state as the execution history arrives, and
 * resolves when the execution ends, with its status and output.
 *
 * @example const execution = await runDeployedStateMachine('load-dimensions', {}, { client: new SFNClient({}), stage: 'dev' });
 */
export async function runDeployedStateMachine(
  name: StateMachineName,
  input: unknown,
  options: DeployedSfnOptions,
): Promise<DeployedExecution> {
  const { client } = options;
  const say = options.onEvent ?? (() => {});
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const machineName = `${options.service ?? 'fleetstream'}-${options.stage}-${DEPLOYED_NAMES[name]}`;
  const stateMachineArn = await findStateMachineArn(client, machineName);
  const { executionArn } = await client.send(
    new StartExecutionCommand({ stateMachineArn, input: JSON.stringify(input) }),
  );
  say(`started ${executionArn}`);
  const states: string[] = [];
  let firstFailure: { error: string; cause: string } | undefined;
  let lastId = 0;
  let ended: string | undefined;
  while (!ended) {
    const events = await newEvents(client, executionArn!, lastId);
    for (const event of events) {
      lastId = Math.max(lastId, event.id ?? 0);
      // TaskStateEntered, PassStateEntered, ChoiceStateEntered, MapStateEntered…
      if (event.type?.endsWith('StateEntered')) {
        const state = event.stateEnteredEventDetails?.name ?? '?';
        states.push(state);
        say(state);
      }
      const failure = failureOf(event);
      if (failure) {
        firstFailure ??= failure;
        say(`  ${event.type}: ${failure.error}: ${failure.cause}`);
      }
      ended ??= ENDINGS[event.type ?? ''];
    }
    if (!ended) await sleep(options.pollMs ?? 1000);
  }
  const described = await client.send(new DescribeExecutionCommand({ executionArn }));
  return {
    executionArn: executionArn!,
    status: described.status ?? ended,
    // Step Functions returns an output only for a succeeded execution.
    output: ended === 'SUCCEEDED' && described.output ? JSON.parse(described.output) : null,
    ...(ended === 'SUCCEEDED' ? {} : { error: firstFailure ?? { error: ended, cause: described.cause ?? '' } }),
    states,
  };
}
