import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { runSls } from '#test/helpers/package-template.js';

// serverless.yml's provider environment: where the functions' file sinks write under `sls invoke local`.
const LOCAL_OUT = '/tmp/fleetstream';

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

/** `sls invoke local` of a function on a Kinesis fixture, typed as a new user would: no flags, no credentials. */
const invokeLocal = (fn: string, fixture: string, ...extra: string[]) =>
  runSls(['invoke', 'local', '--function', fn, '--path', `test/fixtures/events/kinesis/${fixture}.json`, ...extra]);

/** The files the run said it wrote to (the sinks log `path` when they fall back to files). */
const announcedPaths = (printed: Record<string, unknown>[]) =>
  printed.filter((o) => typeof o.path === 'string').map((o) => String(o.path));

describe('Command: sls invoke local (no AWS credentials, no flags)', () => {
  beforeEach(() => rmSync(LOCAL_OUT, { recursive: true, force: true }));

  it('runs the ingest bundle on the hostile fixture into local files, says where, and reports no batch failure', async () => {
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
    const paths = announcedPaths(printed);
    expect(paths).toEqual(expect.arrayContaining([join(LOCAL_OUT, 'rejects.jsonl'), join(LOCAL_OUT, 'events.jsonl')]));
    expect(readFileSync(join(LOCAL_OUT, 'rejects.jsonl'), 'utf8').trim().split('\n')).toHaveLength(11);
  });

  it('runs the aggregate bundle on a tumbling-window event and returns the state for the next call', async () => {
    // Act
    const stdout = await invokeLocal('aggregate', 'tumbling-window');

    // Assess
    const result = printedObjects(stdout).at(-1)!;
    expect(result).toMatchObject({ state: expect.any(Object) });
    expect(JSON.stringify(result.state)).toContain('watermark');
  });

  it('points at the deployed stack only when asked (--param destinations=aws), which needs credentials', async () => {
    // Act, Assess: resolving the stack's topic and buckets is the first thing that fails without
    // credentials (osls prints its error on stdout)
    await expect(invokeLocal('ingest', 'hostile', '--param', 'destinations=aws')).rejects.toHaveProperty(
      'stdout',
      expect.stringMatching(
        /Could not resolve "FLEETSTREAM_[A-Z_]+" environment variable: AWS provider credentials not found/,
      ),
    );
    expect(existsSync(join(LOCAL_OUT, 'events.jsonl'))).toBe(false);
  });
});
