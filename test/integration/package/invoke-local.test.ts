import { runSls } from '#test/helpers/package-template.js';

/** The JSON objects an `sls invoke local` run printed: log lines, EMF lines and the handler's result. */
function printedObjects(stdout: string): Record<string, unknown>[] {
  const objects: Record<string, unknown>[] = [];
  let depth = 0;
  let start = -1;
  // The result is pretty-printed over several lines; log lines are one object each.
  for (let i = 0; i < stdout.length; i++) {
    if (stdout[i] === '{' && depth++ === 0) start = i;
    else if (stdout[i] === '}' && --depth === 0) objects.push(JSON.parse(stdout.slice(start, i + 1)));
  }
  return objects;
}

/** `sls invoke local` of a function on a Kinesis fixture, with file destinations. */
const invokeLocal = (fn: string, fixture: string) =>
  runSls([
    'invoke',
    'local',
    '--function',
    fn,
    '--param',
    'destinations=files',
    '--path',
    `test/fixtures/events/kinesis/${fixture}.json`,
  ]);

describe('Command: sls invoke local', () => {
  it('runs the ingest bundle on the hostile fixture: rejects with reasons, no batch failure', async () => {
    // Act
    const stdout = await invokeLocal('ingest', 'hostile');

    // Assess
    const printed = printedObjects(stdout);
    expect(printed.find((o) => o.message === 'batch processed')).toMatchObject({
      records: 14,
      accepted: 2,
      rejected: 11,
      duplicates: 1,
      rejectReasons: expect.objectContaining({ 'json:parse': 3, 'type:unknown': 1 }),
    });
    expect(printed.at(-1)).toEqual({ batchItemFailures: [] });
  });

  it('runs the aggregate bundle on a tumbling-window event and returns the state for the next call', async () => {
    // Act
    const stdout = await invokeLocal('aggregate', 'tumbling-window');

    // Assess
    const result = printedObjects(stdout).at(-1)!;
    expect(result).toMatchObject({ state: expect.any(Object) });
    expect(JSON.stringify(result.state)).toContain('watermark');
  });
});
