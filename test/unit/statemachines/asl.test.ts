import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import aslValidator from 'asl-validator';

type State = {
  Type: string;
  Next?: string;
  End?: boolean;
  Default?: string;
  Choices?: { Next: string }[];
  Catch?: { Next: string }[];
  Retry?: unknown[];
  ItemProcessor?: { States: Record<string, State> };
};
type Definition = { StartAt: string; States: Record<string, State> };

const DIR = 'statemachines';
const files = readdirSync(DIR).filter((file) => file.endsWith('.asl.json'));
const definition = (file: string): Definition => JSON.parse(readFileSync(join(DIR, file), 'utf8'));

/** Every state of a definition, nested Map processors included. */
function allStates(states: Record<string, State>): [string, State][] {
  return Object.entries(states).flatMap(([name, state]) => [
    [name, state] as [string, State],
    ...(state.ItemProcessor ? allStates(state.ItemProcessor.States) : []),
  ]);
}

/** The states a state can go to next: Next, Choice branches and Default, Catch targets. */
const successors = (state: State) => [
  ...(state.Next ? [state.Next] : []),
  ...(state.Choices ?? []).map((c) => c.Next),
  ...(state.Default ? [state.Default] : []),
  ...(state.Catch ?? []).map((c) => c.Next),
];

describe('State machines: statemachines/*.asl.json', () => {
  it('has the three machines', () => {
    expect(files.sort()).toEqual(['batch-analytics.asl.json', 'load-dimensions.asl.json', 'replay.asl.json']);
  });

  it.each(files)('%s passes asl-validator', (file) => {
    // Act
    const { isValid, errorsText } = aslValidator(definition(file));

    // Assess
    expect(errorsText('\n')).toBe('');
    expect(isValid).toBe(true);
  });

  it.each(files)('%s names states in PascalCase and gives every Task a Retry and a Catch', (file) => {
    const states = [...allStates(definition(file).States)];
    expect(states.some(([, state]) => state.Type === 'Task')).toBe(true);
    for (const [name, state] of states) {
      expect(name).toMatch(/^[A-Z][A-Za-z]+$/);
      if (state.Type === 'Task') {
        expect(state.Retry?.length).toBeGreaterThan(0);
        expect(state.Catch?.length).toBeGreaterThan(0);
      }
    }
  });

  it('batch-analytics: once a cluster exists, every path to an end terminates it first', () => {
    // Prepare
    const { States } = definition('batch-analytics.asl.json');
    const terminates = (name: string) => name.startsWith('TerminateCluster');

    // Act: walk every path from the state after CreateCluster succeeded, stopping at a termination
    const unterminated: string[][] = [];
    const walk = (name: string, path: string[]) => {
      if (terminates(name)) return;
      if (path.includes(name)) return;
      const state = States[name]!;
      const next = successors(state);
      if (next.length === 0 || state.End || state.Type === 'Succeed' || state.Type === 'Fail') {
        unterminated.push([...path, name]);
        return;
      }
      for (const target of next) walk(target, [...path, name]);
    };
    walk(States.CreateCluster!.Next!, ['CreateCluster']);

    // Assess
    expect(States.CreateCluster!.Next).toBe('RunJob');
    expect(unterminated).toEqual([]);
    expect(States.RunJob!.Catch!.map((c) => c.Next)).toEqual(['TerminateClusterAfterFailure']);
  });

  it('batch-analytics: with no subnet for the stage, fails before creating a cluster and says why', () => {
    // Prepare
    const States = definition('batch-analytics.asl.json').States as Record<string, State & Record<string, unknown>>;

    // Act
    const check = States.CheckSubnet as unknown as {
      Choices: { Variable: string; StringEquals: string; Next: string }[];
    };
    const missing = States[check.Choices[0]!.Next]!;

    // Assess
    expect(States.ChooseEngine!.Default).toBe('CheckSubnet');
    expect(check.Choices).toEqual([{ Variable: '$.settings.emr.subnetId', StringEquals: '', Next: 'MissingSubnet' }]);
    expect(missing).toMatchObject({
      Type: 'Pass',
      Result: { Error: 'EmrSubnetMissing' },
      ResultPath: '$.error',
      Next: 'NotifyFailure',
    });
  });
});
