import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { promisify } from 'node:util';
import { StateMachine } from 'aws-local-stepfunctions';
import { createLoadDimensionsHandler } from '#functions/load-dimensions/create-load-dimensions-handler.js';
import { createReplayHandler } from '#functions/replay/create-replay-handler.js';
import type { DimensionDocument, DimensionStore } from '#src/dimensions/publish-dimensions.js';
import type { Reject } from '#src/telemetry/event.js';

/** The state machines in `statemachines/`. */
export const STATE_MACHINES = ['load-dimensions', 'batch-analytics', 'replay'] as const;

/** A state machine's name. */
export type StateMachineName = (typeof STATE_MACHINES)[number];

/** Options of runStateMachine. */
export interface LocalSfnOptions {
  repoRoot: string;
  /** Outputs: the dimension store (`dimensions/`), replayed records (`replay/`), batch output. */
  outDir: string;
  /** Where S3 is: `<s3Root>/<bucket>/<key>` (default `<outDir>/s3`). */
  s3Root?: string;
  onEvent?: (line: string) => void;
}

/** What an execution did. */
export interface LocalExecution {
  status: 'SUCCEEDED' | 'FAILED';
  output: unknown;
  /** The first state failure (the root cause), else the execution's error. */
  error?: { error: string; cause: string };
  states: string[];
}

type Json = ReturnType<typeof JSON.parse>;
type Handler = (input: Json) => Promise<Json>;

const run = promisify(execFile);
const NEWLINE = Buffer.from('\n');

/** A folder standing in for the dimension store's S3 prefix. */
function folderStore(dir: string): DimensionStore {
  const current = join(dir, 'current.json');
  return {
    async currentVersion() {
      return existsSync(current) ? (JSON.parse(readFileSync(current, 'utf8')) as DimensionDocument).version : undefined;
    },
    async publish(version, document) {
      mkdirSync(join(dir, 'versions'), { recursive: true });
      writeFileSync(join(dir, 'versions', `${version}.json`), `${JSON.stringify(document)}\n`);
      writeFileSync(current, `${JSON.stringify(document)}\n`);
    },
  };
}

/**
 * Every file whose key starts with a prefix, as ListObjectsV2 items (`Key`, `Size`): a plain string
 * prefix, as S3 lists (`incoming/a.json` lists `incoming/a.jsonl` too, and `incoming` lists
 * `incoming-old/…`); the replay function keeps the exact matches.
 */
function listLocalObjects(s3Root: string, bucket: string, prefix: string): { Key: string; Size: number }[] {
  const root = join(s3Root, bucket);
  // The folder holding every key that can start with the prefix: up to its last `/`.
  const base = join(root, prefix.slice(0, prefix.lastIndexOf('/') + 1));
  if (!existsSync(base)) return [];
  return readdirSync(base, { recursive: true })
    .map((entry) => join(base, String(entry)))
    .filter((path) => statSync(path).isFile())
    .map((path) => ({ Key: relative(root, path).split('\\').join('/'), Size: statSync(path).size }))
    .filter((object) => object.Key.startsWith(prefix))
    .sort((a, b) => a.Key.localeCompare(b.Key));
}

/**
 * The local bindings of each machine's Task states: the Lambda tasks run the functions' own
 * handlers (functions/<name>/) with file-backed dependencies; the EMR tasks run the PySpark job
 * with a local `pyspark`; SNS notifications go to the event log.
 */
function taskHandlers(name: StateMachineName, options: Required<LocalSfnOptions>): Record<string, Handler> {
  const say = options.onEvent;
  if (name === 'load-dimensions') {
    const source = join(options.s3Root, 'data', 'dimensions', 'source');
    const load = createLoadDimensionsHandler({
      // The data bucket's `dimensions/source/` when it has the CSVs, else the repository's `data/`.
      readCsv: async (table) =>
        readFileSync(
          join(existsSync(join(source, `${table}.csv`)) ? source : join(options.repoRoot, 'data'), `${table}.csv`),
          'utf8',
        ),
      store: folderStore(join(options.outDir, 'dimensions')),
      now: Date.now,
    });
    return { LoadDimensions: () => load() as Promise<Json> };
  }
  if (name === 'replay') {
    const recordsPath = join(options.outDir, 'replay', 'records.jsonl');
    const rejectsPath = join(options.outDir, 'replay', 'rejects.jsonl');
    mkdirSync(dirname(recordsPath), { recursive: true });
    const replay = createReplayHandler({
      // The bytes and an ETag as S3 gives one for a single-part upload: the MD5 of the body, quoted.
      readObject: async (bucket, key) => {
        const body = readFileSync(join(options.s3Root, bucket, key));
        return { body, etag: `"${createHash('md5').update(body).digest('hex')}"` };
      },
      // The local stream stand-in: one raw payload per line, byte for byte, what `fleetstream run --input` replays.
      put: async (entries) => {
        appendFileSync(recordsPath, Buffer.concat(entries.flatMap((e) => [e.data, NEWLINE])));
        return { put: entries.length, calls: 1, retriedEntries: 0 };
      },
      budget: { take: async () => {} },
      rejects: {
        name: 'rejects',
        async write(rejects: readonly Reject[]) {
          appendFileSync(rejectsPath, rejects.map((r) => `${JSON.stringify(r)}\n`).join(''));
        },
      },
    });
    return { ReplayObject: (input) => replay(input) as Promise<Json> };
  }
  const runJob = async (args: string[]): Promise<Json> => {
    try {
      await run('python3', ['-c', 'import pyspark']);
    } catch {
      throw Object.assign(
        new Error(
          'batch-analytics runs the PySpark job with a local pyspark: pip install -r jobs/requirements.txt (and Java 17)',
        ),
        { name: 'PySparkMissing' },
      );
    }
    const { stdout } = await run('python3', [join(options.repoRoot, 'jobs', 'batch_analytics.py'), ...args], {
      maxBuffer: 64 * 1024 * 1024,
    });
    for (const line of stdout.trim().split('\n')) say(`  job: ${line}`);
    return { State: 'COMPLETED' };
  };
  const notify: Handler = async (input) => {
    say(`  notify: ${input.Subject}: ${input.Message}`);
    return {};
  };
  return {
    CreateCluster: async () => ({ ClusterId: 'local' }),
    // spark-submit --py-files <package> <script> <args…>: the script's own arguments follow.
    RunJob: (input) => runJob((input.Step.HadoopJarStep.Args as string[]).slice(4)),
    RunServerlessJob: (input) => runJob(input.JobDriver.SparkSubmit.EntryPointArguments as string[]),
    TerminateCluster: async () => ({}),
    TerminateClusterAfterFailure: async () => ({}),
    NotifySuccess: notify,
    NotifyFailure: notify,
  };
}

/**
 * Makes the file runnable by aws-local-stepfunctions: CloudFormation references in `Resource`
 * become placeholder ARNs (the local handlers replace those tasks), a `Settings` state's stack
 * locations become local folders, and a distributed Map's S3
 * ItemReader, which the library does not implement, becomes an inline Map over the listed objects
 * (listed from the execution input, so the Map must read the execution input's bucket and prefix).
 */
function localDefinition(
  definition: Json,
  input: Json,
  options: Required<LocalSfnOptions>,
): { definition: Json; input: Json } {
  const s3Root = options.s3Root;
  let items: unknown[] | undefined;
  const visit = (states: Record<string, Json>) => {
    for (const state of Object.values(states)) {
      if (typeof state.Resource === 'object') state.Resource = 'arn:aws:lambda:local:000000000000:function:local';
      if (state.Type === 'Map' && state.ItemReader) {
        const params = state.ItemReader.Parameters as Record<string, string>;
        const at = (path: string) =>
          String(
            path
              .replace(/^\$\./, '')
              .split('.')
              .reduce((o: Json, k) => o?.[k], input),
          );
        items = listLocalObjects(s3Root, at(params['Bucket.$']!), at(params['Prefix.$']!));
        delete state.ItemReader;
        state.ItemsPath = '$.__listedObjects';
        state.ItemProcessor.ProcessorConfig = { Mode: 'INLINE' };
        delete state.ToleratedFailurePercentage;
      }
      if (state.ItemProcessor) visit(state.ItemProcessor.States);
    }
  };
  // A JSON copy, not structuredClone: the library checks plain objects by realm, and a test
  // runner's vm context has its own.
  const copy = JSON.parse(JSON.stringify(definition));
  visit(copy.States);
  // The deployed stack's locations (CloudFormation references) become local folders.
  if (copy.States.Settings?.Result)
    copy.States.Settings.Result = {
      lake: join(options.outDir, 'lake'),
      out: join(options.outDir, 'batch'),
      job: {
        scriptUri: join(options.repoRoot, 'jobs', 'batch_analytics.py'),
        packageUri: join(options.repoRoot, 'jobs'),
      },
      emr: {
        serviceRole: 'local',
        instanceProfile: 'local',
        logUri: 'local',
        securityConfiguration: 'local',
        subnetId: 'local',
        releaseLabel: 'local',
        instanceType: 'local',
        coreNodes: 1,
      },
      emrServerless: { executionRoleArn: 'local' },
      topicArn: 'local',
    };
  return { definition: copy, input: items ? { ...input, __listedObjects: items } : input };
}

/**
 * Runs `statemachines/<name>.asl.json` unchanged in logic with aws-local-stepfunctions, its tasks
 * bound to the local handlers; reports every state entered and the output.
 *
 * @example const execution = await runStateMachine('load-dimensions', {}, { repoRoot, outDir: '.fleetstream' });
 */
export async function runStateMachine(
  name: StateMachineName,
  input: Json,
  options: LocalSfnOptions,
): Promise<LocalExecution> {
  const resolved: Required<LocalSfnOptions> = {
    s3Root: join(options.outDir, 's3'),
    onEvent: () => {},
    ...options,
  };
  const file = JSON.parse(readFileSync(join(options.repoRoot, 'statemachines', `${name}.asl.json`), 'utf8'));
  const local = localDefinition(file, input, resolved);
  const machine = new StateMachine(local.definition, { validationOptions: { checkArn: false } });
  const execution = machine.run(local.input, {
    overrides: {
      taskResourceLocalHandlers: taskHandlers(name, resolved),
      retryIntervalOverrides: retryNow(local.definition),
    },
  });
  const states: string[] = [];
  // The first state that failed is the root cause; the execution's own error is the Fail state's.
  let firstFailure: { error: string; cause: string } | undefined;
  const logging = (async () => {
    for await (const event of execution.eventLogs) {
      if (event.type === 'StateEntered') {
        states.push(event.state.name);
        resolved.onEvent(`${event.index === undefined ? '' : `  [${event.index}] `}${event.state.name}`);
      } else if (event.type === 'StateFailed' || event.type === 'ExecutionFailed') {
        if (event.type === 'StateFailed') firstFailure ??= { error: String(event.Error), cause: String(event.Cause) };
        resolved.onEvent(`  ${event.type}: ${event.Error}: ${event.Cause}`);
      }
    }
  })();
  try {
    const output = await execution.result;
    await logging;
    if (output && typeof output === 'object' && '__listedObjects' in output) delete (output as Json).__listedObjects;
    return { status: 'SUCCEEDED', output, states };
  } catch (error) {
    await logging.catch(() => {});
    const { name: errorName, message } = error as Error;
    return { status: 'FAILED', output: null, error: firstFailure ?? { error: errorName, cause: message }, states };
  }
}

/** Retries without waiting, locally: every state with a Retry field retries at once. */
function retryNow(definition: Json): Record<string, number> {
  const overrides: Record<string, number> = {};
  const visit = (states: Record<string, Json>) => {
    for (const [name, state] of Object.entries(states)) {
      if (state.Retry) overrides[name] = 0;
      if (state.ItemProcessor) visit(state.ItemProcessor.States);
    }
  };
  visit(definition.States);
  return overrides;
}
