import {
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  type HistoryEvent,
  ListStateMachinesCommand,
  SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { runDeployedStateMachine, StateMachineNotDeployedError } from '#local/sfn/run-deployed-state-machine.js';

const MACHINE = 'arn:aws:states:eu-west-1:123456789012:stateMachine:fleetstream-dev-LoadDimensions';
const EXECUTION = 'arn:aws:states:eu-west-1:123456789012:execution:fleetstream-dev-LoadDimensions:run-1';

/** A history event as GetExecutionHistory returns it. */
const entered = (id: number, type: string, name: string): HistoryEvent =>
  ({ id, type, timestamp: new Date(0), stateEnteredEventDetails: { name } }) as HistoryEvent;
const event = (id: number, type: string, details: Record<string, unknown> = {}): HistoryEvent =>
  ({ id, type, timestamp: new Date(0), ...details }) as HistoryEvent;

/**
 * GetExecutionHistory over a history that grows between polls: each call sees the events of the
 * next snapshot, newest first when reverseOrder is set, in pages of maxResults with a nextToken.
 */
function growingHistory(snapshots: HistoryEvent[][]) {
  let poll = 0;
  return (input: { reverseOrder?: boolean; maxResults?: number; nextToken?: string }) => {
    const offset = input.nextToken ? Number(input.nextToken) : 0;
    const events = [...snapshots[Math.min(poll, snapshots.length - 1)]!];
    if (input.reverseOrder) events.reverse();
    const size = input.maxResults ?? 100;
    const page = events.slice(offset, offset + size);
    const more = offset + size < events.length;
    if (!more) poll++;
    return { events: page, ...(more ? { nextToken: String(offset + size) } : {}) };
  };
}

describe('Function: runDeployedStateMachine()', () => {
  const sfn = mockClient(SFNClient);
  afterEach(() => sfn.reset());

  beforeEach(() => {
    // Prepare: ListStateMachines pages through the account's machines
    sfn
      .on(ListStateMachinesCommand)
      .resolvesOnce({
        stateMachines: [{ name: 'other', stateMachineArn: 'arn:other', type: 'STANDARD', creationDate: new Date(0) }],
        nextToken: 'page-2',
      })
      .resolves({
        stateMachines: [
          {
            name: 'fleetstream-dev-LoadDimensions',
            stateMachineArn: MACHINE,
            type: 'STANDARD',
            creationDate: new Date(0),
          },
        ],
      });
    sfn.on(StartExecutionCommand).resolves({ executionArn: EXECUTION, startDate: new Date(0) });
  });

  it('starts the stage’s machine by name and reports each state once, as the history grows', async () => {
    // Prepare
    const first = [event(1, 'ExecutionStarted'), entered(2, 'TaskStateEntered', 'LoadDimensions')];
    const done = [
      ...first,
      event(3, 'TaskStateExited'),
      entered(4, 'SucceedStateEntered', 'Loaded'),
      event(5, 'ExecutionSucceeded'),
    ];
    sfn.on(GetExecutionHistoryCommand).callsFake(growingHistory([first, done]));
    sfn.on(DescribeExecutionCommand).resolves({ status: 'SUCCEEDED', output: '{"ok":true}' } as never);
    const lines: string[] = [];
    const waits: number[] = [];

    // Act
    const execution = await runDeployedStateMachine(
      'load-dimensions',
      { force: true },
      {
        client: new SFNClient({}),
        stage: 'dev',
        onEvent: (line) => lines.push(line),
        sleep: async (ms) => void waits.push(ms),
      },
    );

    // Assess
    expect(sfn.commandCalls(StartExecutionCommand)[0]!.args[0].input).toEqual({
      stateMachineArn: MACHINE,
      input: '{"force":true}',
    });
    expect(lines).toEqual([`started ${EXECUTION}`, 'LoadDimensions', 'Loaded']);
    expect(execution).toEqual({
      executionArn: EXECUTION,
      status: 'SUCCEEDED',
      output: { ok: true },
      states: ['LoadDimensions', 'Loaded'],
    });
    expect(waits).toEqual([1000]);
  });

  it('reads a long history newest first, page by page, and still reports it oldest first', async () => {
    // Prepare: 250 states entered before the end, more than two pages of 100
    const events = [
      event(1, 'ExecutionStarted'),
      ...Array.from({ length: 250 }, (_, i) => entered(i + 2, 'PassStateEntered', `Step${i}`)),
      event(252, 'ExecutionSucceeded'),
    ];
    sfn.on(GetExecutionHistoryCommand).callsFake(growingHistory([events]));
    sfn.on(DescribeExecutionCommand).resolves({ status: 'SUCCEEDED', output: '{}' } as never);

    // Act
    const execution = await runDeployedStateMachine('load-dimensions', {}, { client: new SFNClient({}), stage: 'dev' });

    // Assess
    expect(execution.states).toHaveLength(250);
    expect(execution.states[0]).toBe('Step0');
    expect(execution.states.at(-1)).toBe('Step249');
    expect(sfn.commandCalls(GetExecutionHistoryCommand).every((c) => c.args[0].input.reverseOrder === true)).toBe(true);
  });

  it('ends FAILED with the first state failure as the error, and prints the failures', async () => {
    // Prepare
    sfn
      .on(GetExecutionHistoryCommand)
      .callsFake(
        growingHistory([
          [
            event(1, 'ExecutionStarted'),
            entered(2, 'TaskStateEntered', 'LoadDimensions'),
            event(3, 'TaskFailed', { taskFailedEventDetails: { error: 'BadRows', cause: 'cars.csv line 3' } }),
            entered(4, 'FailStateEntered', 'Failed'),
            event(5, 'ExecutionFailed', { executionFailedEventDetails: { error: 'LoadFailed', cause: 'see rows' } }),
          ],
        ]),
      );
    sfn.on(DescribeExecutionCommand).resolves({ status: 'FAILED', error: 'LoadFailed' } as never);
    const lines: string[] = [];

    // Act
    const execution = await runDeployedStateMachine(
      'load-dimensions',
      {},
      { client: new SFNClient({}), stage: 'dev', onEvent: (line) => lines.push(line) },
    );

    // Assess
    expect(execution).toMatchObject({
      status: 'FAILED',
      output: null,
      error: { error: 'BadRows', cause: 'cars.csv line 3' },
    });
    expect(lines).toContain('  TaskFailed: BadRows: cars.csv line 3');
    expect(lines).toContain('  ExecutionFailed: LoadFailed: see rows');
  });

  it('names the machine it could not find instead of starting anything', async () => {
    // Act, Assess
    await expect(runDeployedStateMachine('replay', {}, { client: new SFNClient({}), stage: 'prod' })).rejects.toThrow(
      new StateMachineNotDeployedError(
        'no state machine fleetstream-prod-Replay in this account and region: deploy the stage, or check AWS_REGION',
      ),
    );
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(0);
  });
});
