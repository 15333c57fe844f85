import { existsSync, readFileSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { Car } from '#src/enrich/dimensions.js';
import { simulateCity } from '#src/simulate/city.js';
import { growFleet, simulateFleetBytes } from '#src/simulate/fleet.js';
import type { ProducedRecord } from '#src/simulate/produced-record.js';
import { type ChaosSpec, ChaosSpecError, parseChaosSpec } from './chaos/chaos.js';
import { COST_USAGE, costCommand } from './cost/cost-command.js';
import { readBase64Records } from './inputs/read-base64.js';
import { readGeolifeFolder } from './inputs/read-geolife.js';
import { readJsonlRecords } from './inputs/read-jsonl.js';
import { parseQueryArgs, QUERY_USAGE } from './query-args.js';
import { REDRIVE_OPTIONS, REDRIVE_USAGE } from './redrive/redrive-usage.js';
import { createProgressPrinter, formatSummary } from './run/progress.js';
import type { RunReport, SourceEntry, SourceItem } from './run/run-pipeline.js';
import { readServerlessConfig } from './serverless-config.js';
import type { StateMachineName } from './sfn/run-state-machine.js';
import { DEFAULT_DASHBOARD_PORT } from './ui/dashboard-server.js';
import { UsageError } from './usage-error.js';

// Each command loads what only it needs when it runs (`await import(...)`; the build splits those
// modules into chunks): loading every command's AWS SDK clients, DuckDB and the Step Functions
// emulator cost every invocation, `fleetstream --help` included, about half a CPU-second.

// No V8 flag is set here: one set at run time (setFlagsFromString) does not resize the main thread's
// heap, which V8 has configured by then, but overrides the young generation every worker asks for
// (local/esm/mapping-thread.ts); `--max-semi-space-size=16` set here once made it 16 MB semi-spaces for all.

const USAGE = `fleetstream: the telemetry pipeline on one machine

Usage:
  fleetstream run [--scenario fleet|city] [--input FILE.jsonl | FILE.b64 | GEOLIFE_FOLDER] [--out DIR]
                  [--events N | --duration SECONDS] [--shards N] [--ingest-workers N] [--seed S]
                  [--speedup X | --rate N] [--cars N] [--stage STAGE]
                  [--kinesis-endpoint URL [--stream-name NAME]] [--opensearch URL]
                  [--chaos SPEC] [--no-verify] [--ui [--port N]]
  fleetstream verify [--out DIR]
${REDRIVE_USAGE}
  fleetstream ui [--out DIR] [--port N]             (the dashboard of a finished run)
${QUERY_USAGE}
  fleetstream dashboards import [--opensearch URL] [--dashboards URL] [--retention-days N]
  fleetstream dashboards import --domain NAME [--region REGION] [--retention-days N]
  fleetstream sfn <load-dimensions|batch-analytics|replay> [--input JSON] [--out DIR] [--s3-root DIR]
  fleetstream sfn <load-dimensions|batch-analytics|replay> --stage STAGE [--region REGION] [--input JSON]
${COST_USAGE}

run options:
  --scenario   fleet (default): the 20-car seed fleet, one reading per car per second;
               city: one vehicle driving London to Birmingham, five smart-city streams
  --input      a JSONL file (one raw Kinesis payload per line, its bytes as they are), a .b64 file (one
               base64 Kinesis data blob per line: KPL aggregates, any bytes) or a Geolife folder
               (Data/<user>/Trajectory/*.plt)
  --out        output folder, cleared at start (default .fleetstream)
  --events     stop after N events (default 36000 for fleet: 20 cars x 30 simulated minutes)
  --duration   stop after SECONDS of simulated time
  --shards     stream shards (default 2)
  --ingest-workers
               worker threads running ingest, the shards split between them (default: shards or CPU
               cores, whichever is fewer; 0: on the main thread, as with --opensearch or --ui)
  --seed       seed for the simulators (default 1): same seed, same output
  --speedup    pace the simulation at X times real time (default: as fast as possible)
  --rate       pace the producers at N events per second of wall clock (not with --speedup); the fleet's
               20 cars then make N/20 readings a second each, stamped with the time they are made, and
               the summary and report.json give event-to-alert latency (alert_latency_ms); with --input
               the replay is paced at N records/s (its events keep their own times: no latency);
               for the fleet, --duration is then wall-clock seconds (N x SECONDS events)
  --cars       fleet size (default 20, the seed fleet of data/cars.csv; more cars get ids from 9000000 on,
               unknown to the dimensions, so accepted unenriched): at --rate N above 1,000 events/s, 20
               cars cannot spread over shards that take 1,000 records/s each
  --stage      serverless.yml stage whose mapping settings apply (default local)
  --kinesis-endpoint
               produce and consume through a real Kinesis API at URL (AWS, LocalStack, MiniStack) with
               the AWS SDK instead of the in-process stream; the stream is created when missing
  --stream-name
               the stream to use with --kinesis-endpoint (default fleetstream-<stage>-telemetry)
  --opensearch index into the OpenSearch node at URL (templates from schemas/ applied first; start one
               with scripts/opensearch.sh start) instead of writing _bulk files under <out>/search/
  --chaos      inject faults: key=value,... or a JSON file; keys: seed, cold-starts, crashes,
               parallelization (ingest's factor, 1-10), sink-failures, throttles, duplicates, late,
               reorder (rates are probabilities), e.g. cold-starts=0.01,sink-failures=0.02,duplicates=0.01
  --no-verify  skip proving the outputs against the run's own account (report.json -> verification)

  --ui         serve a live dashboard on http://127.0.0.1:${DEFAULT_DASHBOARD_PORT}/ (map, alerts, windows, throughput);
               the run starts when the page is open, and the page then shows the finished run's lake
  --port       the dashboard's port (default ${DEFAULT_DASHBOARD_PORT}; 0 picks a free one)
verify: proves a finished run's outputs again and prints lost / doubled per sink (exit 1 if any)

${REDRIVE_OPTIONS}

query options:
  --name       run a named query (queries/*.sql, the SQL deployed as Athena named queries) over one
               event-time window: each table it reads is filtered on dt BETWEEN --from AND --to
  --from, --to the window's first and last day, YYYY-MM-DD, inclusive (default: the lake's first and
               last dt partition over all tables, so the whole lake; an empty lake answers no rows)
  --format     table (default) or json
  --list       the named queries and what each answers

cost options (the monthly AWS bill of a stage as serverless.yml configures it; docs/cost.md):
  --rate       events per second, steady over the month (required)
  --stage      dev (default) or prod
  --event-bytes  bytes of one serialised event (default 250)
  --alert-ratio  share of events that raise an alert (default 0.02)
  --events-per-record  events per Kinesis record, 1 without KPL aggregation (default 1)
  --query-runs-per-day  runs of each named query a day (default 24)
  --query-window-days  days of event time each run reads, its dt window (default 1)
  --lake-months  months of data in the lake at the month costed (default 12)
  --as-of      the month costed, for partition projection (default: the prices' look-up date)
  --json       the whole estimate as JSON

dashboards options:
  --domain     an OpenSearch Service domain by name: its endpoint and Dashboards from DescribeDomain
  --sigv4      sign with SigV4 (implied by --domain and by *.es.amazonaws.com endpoints); credentials
               from the default chain (run as the stage's search admin role). Basic auth instead:
               FLEETSTREAM_OPENSEARCH_BASIC_AUTH=user:password

sfn options:
  (no --stage) run the ASL file locally: tasks on the local handlers and pyspark, S3 as <out>/s3
  --stage      start the deployed fleetstream-<stage>-<Name> instead (AWS credentials from the default
               chain; AWS_ENDPOINT_URL for an emulator), print each state as it runs, exit 1 unless it succeeds
`;

/** The repository root: where serverless.yml is, above this file (dist/cli.js or local/cli.ts). */
function findRepoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'serverless.yml'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error('cannot find serverless.yml above the fleetstream command');
    dir = parent;
  }
  return dir;
}

function positiveNumber(name: string, value: string | undefined, fallback: number | undefined): number | undefined {
  if (value === undefined) return fallback;
  const parsed = Number(value);
  if (!Number.isFinite(parsed) || parsed <= 0)
    throw new UsageError(`--${name} must be a positive number, got "${value}"`);
  return parsed;
}

async function* fromSync(items: Iterable<ProducedRecord>): AsyncGenerator<SourceItem> {
  for (const record of items) yield { kind: 'record', record };
}

async function* fromAsyncRecords(items: AsyncIterable<ProducedRecord>) {
  for await (const record of items) yield { kind: 'record', record } as SourceItem;
}

function fleetRecords(
  seedCars: Car[],
  seed: number,
  startMs: number,
  events?: number,
  duration?: number,
  now?: () => number,
  cars?: number,
): Iterable<ProducedRecord> {
  // Readings as bytes: what PutRecords sends, with no string made and encoded per reading.
  return simulateFleetBytes({
    cars: cars === undefined ? seedCars : growFleet(seedCars, cars),
    seed,
    startMs,
    events,
    durationSeconds: duration,
    ...(now ? { now } : {}),
  });
}

async function run(argv: string[]): Promise<RunReport> {
  const { loadCars, runPipeline, VerificationError } = await import('./run/run-pipeline.js');
  const { values } = parseArgs({
    args: argv,
    options: {
      scenario: { type: 'string' },
      input: { type: 'string' },
      out: { type: 'string' },
      events: { type: 'string' },
      duration: { type: 'string' },
      shards: { type: 'string' },
      'ingest-workers': { type: 'string' },
      seed: { type: 'string' },
      speedup: { type: 'string' },
      rate: { type: 'string' },
      cars: { type: 'string' },
      stage: { type: 'string' },
      'kinesis-endpoint': { type: 'string' },
      'stream-name': { type: 'string' },
      opensearch: { type: 'string' },
      chaos: { type: 'string' },
      'no-verify': { type: 'boolean' },
      ui: { type: 'boolean' },
      port: { type: 'string' },
    },
    strict: true,
  });
  if (values.port !== undefined && !values.ui) throw new UsageError('--port needs --ui');
  if (values['stream-name'] && !values['kinesis-endpoint'])
    throw new UsageError('--stream-name needs --kinesis-endpoint');
  const endpoint = values['kinesis-endpoint'];
  if (endpoint !== undefined && !URL.canParse(endpoint))
    throw new UsageError(`--kinesis-endpoint must be a URL such as http://127.0.0.1:4566, got "${endpoint}"`);
  if (values.opensearch !== undefined && !URL.canParse(values.opensearch))
    throw new UsageError(`--opensearch must be a URL such as http://127.0.0.1:9200, got "${values.opensearch}"`);
  const repoRoot = findRepoRoot();
  const seed = Math.floor(positiveNumber('seed', values.seed, 1)!);
  const events = positiveNumber('events', values.events, undefined);
  const duration = positiveNumber('duration', values.duration, undefined);
  if (events !== undefined && duration !== undefined) throw new UsageError('give --events or --duration, not both');
  const rate = positiveNumber('rate', values.rate, undefined);
  const cars = values.cars === undefined ? undefined : Math.floor(positiveNumber('cars', values.cars, undefined)!);
  if (cars !== undefined && (values.input || (values.scenario ?? 'fleet') !== 'fleet'))
    throw new UsageError('--cars is for the fleet scenario');
  if (rate !== undefined && values.speedup !== undefined)
    throw new UsageError('give --speedup (simulated time, faster) or --rate (events per second), not both');
  const startMs = Date.UTC(2026, 10, 24, 8, 0, 0);
  let scenario = values.scenario ?? 'fleet';
  let source: AsyncIterable<SourceEntry> | Iterable<SourceEntry>;
  if (values.input) {
    const input = resolve(values.input);
    if (!existsSync(input)) throw new UsageError(`--input ${values.input}: no such file or folder`);
    if (statSync(input).isDirectory()) {
      scenario = 'geolife';
      source = readGeolifeFolder(input);
    } else if (input.toLowerCase().endsWith('.b64')) {
      scenario = 'base64';
      source = readBase64Records(input, startMs);
    } else {
      scenario = 'jsonl';
      source = fromAsyncRecords(readJsonlRecords(input, startMs));
    }
  } else if (scenario === 'fleet' && rate !== undefined) {
    // Live: each reading stamped with the wall clock as it is made; --duration counts wall-clock seconds.
    const limit = events ?? (duration === undefined ? 36_000 : Math.round(rate * duration));
    source = fleetRecords(loadCars(repoRoot), seed, startMs, limit, undefined, Date.now, cars);
  } else if (scenario === 'fleet') {
    source = fleetRecords(
      loadCars(repoRoot),
      seed,
      startMs,
      events ?? (duration === undefined ? 36_000 : undefined),
      duration,
      undefined,
      cars,
    );
  } else if (scenario === 'city') {
    source = fromSync(simulateCity({ seed, startMs, maxEvents: events, durationSeconds: duration }));
  } else {
    throw new UsageError(`--scenario must be fleet or city, got "${scenario}"`);
  }
  // Built next to this file (dist/); absent when the CLI runs from source, which then uses one thread.
  const aggregateWorker = new URL('./aggregate-worker.js', import.meta.url);
  const ingestWorker = new URL('./ingest-worker.js', import.meta.url);
  const shards = Math.floor(positiveNumber('shards', values.shards, 2)!);
  const ingestWorkers = ingestWorkerCount(values['ingest-workers'], shards);
  const outDir = resolve(values.out ?? '.fleetstream');
  const log = (line: string) => process.stderr.write(`${line}\n`);
  const dashboardModule = values.ui ? await import('./ui/open-dashboard.js') : undefined;
  const ui = dashboardModule
    ? await dashboardModule.openLiveDashboard({
        repoRoot,
        outDir,
        scenario,
        paced: values.speedup !== undefined || rate !== undefined,
        port: dashboardPort(values.port),
        log,
      })
    : undefined;
  await ui?.waitForPage();
  const progress = createProgressPrinter(process.stderr);
  const running = runPipeline({
    source,
    scenario,
    outDir,
    repoRoot,
    shards,
    seed,
    stage: values.stage ?? 'local',
    speedup: positiveNumber('speedup', values.speedup, undefined),
    rate,
    // Only the live fleet stamps events with their production time; other sources keep their own.
    measureAlertLatency: rate !== undefined && !values.input && scenario === 'fleet',
    kinesisEndpoint: endpoint,
    aggregateWorker: existsSync(fileURLToPath(aggregateWorker)) ? aggregateWorker : undefined,
    ...(ingestWorkers > 0 && existsSync(fileURLToPath(ingestWorker))
      ? { ingestWorkers: { url: ingestWorker, count: ingestWorkers } }
      : {}),
    streamName: values['stream-name'],
    opensearchUrl: values.opensearch,
    onProgress: progress.update,
    ...(values.chaos ? { chaos: parseChaos(values.chaos) } : {}),
    ...(values['no-verify'] ? { verify: false } : {}),
    ...(ui ? { observer: ui.observer } : {}),
  });
  const report = await running.catch(async (error: unknown) => {
    progress.done();
    await ui?.server.close();
    // The report is written before verification: show what did not verify, then fail.
    if (error instanceof VerificationError) {
      const written = JSON.parse(readFileSync(join(outDir, 'report.json'), 'utf8')) as RunReport;
      const { formatVerification } = await import('./verify/verify-run.js');
      if (written.verification) process.stdout.write(`${formatVerification(written.verification)}\n`);
    }
    throw error;
  });
  progress.done();
  process.stdout.write(`${formatSummary(report)}\n`);
  if (ui) {
    await ui.finish(report);
    await dashboardModule!.untilInterrupted();
    await ui.server.close();
  }
  return report;
}

/** `--ingest-workers`: a whole number of 0 or more, by default one per shard up to the CPU cores. */
function ingestWorkerCount(text: string | undefined, shards: number): number {
  if (text === undefined) return Math.min(shards, availableParallelism());
  const count = Number(text);
  if (!Number.isInteger(count) || count < 0)
    throw new UsageError(`--ingest-workers must be a whole number of 0 or more, got "${text}"`);
  return count;
}

function parseChaos(text: string): ChaosSpec {
  try {
    return parseChaosSpec(text);
  } catch (error) {
    if (error instanceof ChaosSpecError) throw new UsageError(error.message);
    throw error;
  }
}

async function verify(argv: string[]): Promise<void> {
  const { values } = parseArgs({ args: argv, options: { out: { type: 'string' } }, strict: true });
  const outDir = resolve(values.out ?? '.fleetstream');
  if (!existsSync(join(outDir, 'report.json')))
    throw new UsageError(`no report.json under ${outDir}: run \`fleetstream run\` first or pass --out`);
  const report = JSON.parse(readFileSync(join(outDir, 'report.json'), 'utf8')) as RunReport;
  const config = readServerlessConfig(join(findRepoRoot(), 'serverless.yml'), report.stage);
  const { formatVerification, verifyRun } = await import('./verify/verify-run.js');
  const verification = await verifyRun({ outDir, windowMs: config.numberParam('tumblingWindowInSeconds') * 1000 });
  process.stdout.write(`${formatVerification(verification)}\n`);
  if (!verification.ok) process.exitCode = 1;
}

async function redrive(argv: string[]): Promise<number> {
  const { redriveCommand } = await import('./redrive/redrive-command.js');
  const repoRoot = findRepoRoot();
  const aggregateWorker = new URL('./aggregate-worker.js', import.meta.url);
  return redriveCommand(argv, {
    repoRoot,
    service: () => readServerlessConfig(join(repoRoot, 'serverless.yml'), 'local').service,
    write: (text) => process.stdout.write(text),
    ...(existsSync(fileURLToPath(aggregateWorker)) ? { aggregateWorker } : {}),
  });
}

function dashboardPort(value: string | undefined): number {
  if (value === undefined) return DEFAULT_DASHBOARD_PORT;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65_535)
    throw new UsageError(`--port must be a port number (0 picks a free one), got "${value}"`);
  return port;
}

async function dashboard(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: { out: { type: 'string' }, port: { type: 'string' } },
    strict: true,
  });
  const outDir = resolve(values.out ?? '.fleetstream');
  if (!existsSync(join(outDir, 'lake')))
    throw new UsageError(`no lake under ${outDir}: run \`fleetstream run\` first or pass --out`);
  const { openLakeDashboard, untilInterrupted } = await import('./ui/open-dashboard.js');
  const server = await openLakeDashboard({
    repoRoot: findRepoRoot(),
    outDir,
    port: dashboardPort(values.port),
    log: (line) => process.stderr.write(`${line}\n`),
  });
  await untilInterrupted();
  await server.close();
}

async function query(argv: string[]): Promise<void> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(USAGE);
    return;
  }
  const options = parseQueryArgs(argv);
  const { formatTable, listNamedQueries, runNamedQuery, runQuery } = await import('./query.js');
  const repoRoot = findRepoRoot();
  if (options.list) {
    for (const q of listNamedQueries(repoRoot)) process.stdout.write(`${q.name.padEnd(32)} ${q.description}\n`);
    return;
  }
  const outDir = resolve(options.out ?? '.fleetstream');
  if (!existsSync(join(outDir, 'lake')))
    throw new UsageError(`no lake under ${outDir}: run \`fleetstream run\` first or pass --out`);
  if (options.name) {
    const result = await runNamedQuery(repoRoot, outDir, options.name, options.window);
    const window = result.window ? `dt ${result.window.from} .. ${result.window.to}` : 'none: the lake is empty';
    process.stdout.write(
      options.format === 'json' ? `${JSON.stringify(result)}\n` : `${formatTable(result)}\n(window ${window})\n`,
    );
    return;
  }
  const result = await runQuery(outDir, options.sql);
  process.stdout.write(options.format === 'json' ? `${JSON.stringify(result)}\n` : `${formatTable(result)}\n`);
}

async function dashboards(argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: {
      opensearch: { type: 'string' },
      dashboards: { type: 'string' },
      domain: { type: 'string' },
      region: { type: 'string' },
      sigv4: { type: 'boolean' },
      'retention-days': { type: 'string' },
    },
    allowPositionals: true,
    strict: true,
  });
  if (positionals[0] !== 'import')
    throw new UsageError('usage: fleetstream dashboards import [--opensearch URL] [--dashboards URL] [--domain NAME]');
  if (values.domain && (values.opensearch || values.dashboards))
    throw new UsageError('give --domain NAME, or --opensearch URL and --dashboards URL, not both');
  if (!values.domain && !values.opensearch && !values.dashboards)
    throw new UsageError('give --domain NAME, --opensearch URL, --dashboards URL or both URLs');
  for (const url of [values.opensearch, values.dashboards])
    if (url !== undefined && !URL.canParse(url)) throw new UsageError(`not a URL: "${url}"`);
  const [{ OpenSearchClient }, { defaultProvider }, { setUpSearch }, { chooseSearchAuth, resolveDomainEndpoint }] =
    await Promise.all([
      import('@aws-sdk/client-opensearch'),
      import('@aws-sdk/credential-provider-node'),
      import('./search/dashboards.js'),
      import('./search/search-auth.js'),
    ]);
  const client = new OpenSearchClient(values.region ? { region: values.region } : {});
  try {
    const endpoints = values.domain
      ? await resolveDomainEndpoint(client, values.domain)
      : { opensearchUrl: values.opensearch, dashboardsUrl: values.dashboards };
    const auth = await chooseSearchAuth({
      basicAuth: process.env.FLEETSTREAM_OPENSEARCH_BASIC_AUTH,
      sign: Boolean(values.sigv4 || values.domain),
      url: endpoints.opensearchUrl ?? endpoints.dashboardsUrl,
      region: values.region,
      defaultRegion: () => client.config.region(),
      credentials: defaultProvider(),
    });
    process.stdout.write(
      `${endpoints.opensearchUrl ?? endpoints.dashboardsUrl} (${auth.kind === 'none' ? 'no auth' : auth.kind})\n`,
    );
    await setUpSearch({
      ...endpoints,
      retentionDays: Math.floor(positiveNumber('retention-days', values['retention-days'], 30)!),
      repoRoot: findRepoRoot(),
      auth,
      log: (line) => process.stdout.write(`${line}\n`),
    });
  } finally {
    client.destroy();
  }
}

async function sfn(argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: {
      input: { type: 'string' },
      out: { type: 'string' },
      's3-root': { type: 'string' },
      stage: { type: 'string' },
      region: { type: 'string' },
    },
    allowPositionals: true,
    strict: true,
  });
  const { runStateMachine, STATE_MACHINES } = await import('./sfn/run-state-machine.js');
  const name = positionals[0] as StateMachineName;
  if (!STATE_MACHINES.includes(name)) throw new UsageError(`fleetstream sfn: one of ${STATE_MACHINES.join(', ')}`);
  let input: unknown = {};
  try {
    input = JSON.parse(values.input ?? '{}');
  } catch (error) {
    throw new UsageError(`--input must be JSON: ${(error as Error).message}`);
  }
  if (values.stage !== undefined) {
    if (values.out || values['s3-root']) throw new UsageError('--out and --s3-root are for local runs, not --stage');
    const [{ SFNClient }, { runDeployedStateMachine }] = await Promise.all([
      import('@aws-sdk/client-sfn'),
      import('./sfn/run-deployed-state-machine.js'),
    ]);
    const client = new SFNClient(values.region ? { region: values.region } : {});
    try {
      const execution = await runDeployedStateMachine(name, input, {
        client,
        stage: values.stage,
        onEvent: (line) => process.stdout.write(`${line}\n`),
      });
      const result = execution.status === 'SUCCEEDED' ? execution.output : execution.error;
      process.stdout.write(`${execution.status}\n${JSON.stringify(result, null, 2)}\n`);
      if (execution.status !== 'SUCCEEDED') process.exitCode = 1;
    } finally {
      client.destroy();
    }
    return;
  }
  if (values.region) throw new UsageError('--region is for --stage');
  const outDir = resolve(values.out ?? '.fleetstream');
  const execution = await runStateMachine(name, input, {
    repoRoot: findRepoRoot(),
    outDir,
    s3Root: resolve(values['s3-root'] ?? join(outDir, 's3')),
    onEvent: (line) => process.stdout.write(`${line}\n`),
  });
  process.stdout.write(`${execution.status}\n${JSON.stringify(execution.output ?? execution.error, null, 2)}\n`);
  if (execution.status !== 'SUCCEEDED') process.exitCode = 1;
}

async function main(): Promise<void> {
  const [command, ...rest] = process.argv.slice(2);
  try {
    if (command === 'run') await run(rest);
    else if (command === 'query') await query(rest);
    else if (command === 'verify') await verify(rest);
    else if (command === 'redrive') process.exitCode = await redrive(rest);
    else if (command === 'ui') await dashboard(rest);
    else if (command === 'dashboards') await dashboards(rest);
    else if (command === 'sfn') await sfn(rest);
    else if (command === 'cost') costCommand(rest, findRepoRoot(), (text) => process.stdout.write(text));
    else if (command === undefined || command === 'help' || command === '--help' || command === '-h')
      process.stdout.write(USAGE);
    else throw new UsageError(`unknown command "${command}"`);
  } catch (error) {
    const usage = error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS');
    process.stderr.write(`fleetstream: ${(error as Error).message}\n${usage ? `\n${USAGE}` : ''}`);
    process.exitCode = usage ? 2 : 1;
  }
}

// A closed pipe (`fleetstream query … | head`) is not an error.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});

await main();
