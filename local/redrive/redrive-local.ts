import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { type RedriveFailuresResult, redriveFailures, type StreamRecord } from '#src/redrive/redrive-failures.js';
import { type SkippedReject, selectRejects } from '#src/redrive/redrive-rejects.js';
import type { ProducedRecord } from '#src/simulate/produced-record.js';
import type { Reject } from '#src/telemetry/event.js';
import { type RunReport, runPipeline, type SourceItem } from '../run/run-pipeline.js';
import { LocalFailureQueue, SpoolRangeReader } from './local-failure-queue.js';
import { readLocalRejects } from './read-local-rejects.js';

/** The functions with an on-failure destination, in the order their messages are redriven. */
export const REDRIVE_FUNCTIONS = ['ingest', 'aggregate'] as const;

/** Options of redriveLocal. */
export interface LocalRedriveOptions {
  mode: 'dlq' | 'rejects';
  /** The finished run whose `dlq/` or `rejects.jsonl.gz` is redriven. */
  from: string;
  /** A fresh output folder for the redrive's own run (cleared first, as `fleetstream run --out` is). */
  out: string;
  repoRoot: string;
  /** With `rejects`: only rejects of this reason or under it (`schema` takes `schema:/speed:minimum`). */
  reason?: string;
  /** With `dlq`: only this function's messages (default both). */
  functions?: readonly (typeof REDRIVE_FUNCTIONS)[number][];
  aggregateWorker?: URL;
}

/** What a local redrive did. */
export interface LocalRedriveResult {
  mode: 'dlq' | 'rejects';
  from: string;
  out: string;
  /** With `dlq`: per function, what happened to its messages; `kept` is how many stay in its file. */
  queues?: Record<string, RedriveFailuresResult & { kept: number }>;
  /** With `rejects`: rejects read, matched and skipped (truncated or without payload). */
  rejects?: { read: number; matched: number; skipped: SkippedReject[]; by_reason: Record<string, number> };
  /** Records put on the redrive's stream. */
  records: number;
  /** The redrive's run: how each record ended (absent when there was nothing to send). */
  report?: RunReport;
  /** Nothing expired, failed again, invalid, skipped or dead-lettered again. */
  complete: boolean;
}

/** Thrown when the command's folders do not allow a redrive (no run there, or --out would clear --from). */
export class RedriveSetupError extends Error {
  override readonly name = 'RedriveSetupError';
}

async function* itemsOf(records: readonly ProducedRecord[]): AsyncGenerator<SourceItem> {
  for (const record of records) yield { kind: 'record', record };
}

/** A re-read record as a producer puts it again: same key, same bytes, same arrival time. */
function producedOf(record: StreamRecord): ProducedRecord {
  return {
    partitionKey: record.partitionKey,
    data: Buffer.from(record.data, 'base64'),
    arrivalMs: Math.round(record.approximateArrivalTimestamp * 1000),
  };
}

/**
 * Redrives a finished local run into a fresh one. `dlq`: each on-failure message of
 * `<from>/dlq/<function>.jsonl` whose range is in the run's spool (`dlq/<function>.records.jsonl`)
 * is re-read, and the records (each once, however many messages name it) go through the whole
 * local pipeline, both functions, into `out`; the messages are removed from their file only once
 * that run finished with none dead-lettered again. `rejects`: the matching rejects of
 * `<from>/rejects.jsonl.gz` go through the pipeline the same way; the reject store is left as it is.
 * The original run's outputs are not touched: the redrive's lake, rejects and report are in `out`.
 *
 * @example const result = await redriveLocal({ mode: 'dlq', from: '.fleetstream', out: '.fleetstream-redrive', repoRoot });
 */
export async function redriveLocal(options: LocalRedriveOptions): Promise<LocalRedriveResult> {
  const from = resolve(options.from);
  const out = resolve(options.out);
  if (out === from || from.startsWith(`${out}/`))
    throw new RedriveSetupError(`--out ${options.out} would clear the run it redrives (${options.from})`);
  const reportPath = join(from, 'report.json');
  if (!existsSync(reportPath))
    throw new RedriveSetupError(`no report.json under ${from}: redrive a finished \`fleetstream run\` (--from DIR)`);
  const original = JSON.parse(readFileSync(reportPath, 'utf8')) as RunReport;
  const result: LocalRedriveResult = { mode: options.mode, from, out, records: 0, complete: true };
  const records: ProducedRecord[] = [];
  const queues: LocalFailureQueue[] = [];
  if (options.mode === 'dlq') {
    result.queues = {};
    const seen = new Set<string>();
    for (const name of options.functions ?? REDRIVE_FUNCTIONS) {
      const path = join(from, 'dlq', `${name}.jsonl`);
      const queue = new LocalFailureQueue(path);
      queues.push(queue);
      const tally = await redriveFailures({
        queue,
        reader: new SpoolRangeReader(path),
        target: {
          async send(info, batch) {
            for (const record of batch) {
              const key = `${info.shardId}/${record.sequenceNumber}`;
              if (seen.has(key)) continue;
              seen.add(key);
              records.push(producedOf(record));
            }
            return { ok: true };
          },
        },
      });
      result.queues[name] = { ...tally, kept: queue.size - tally.messages.redriven };
      if (tally.messages.expired + tally.messages.failed + tally.messages.invalid > 0) result.complete = false;
    }
  } else {
    const rejectsPath = join(from, 'rejects.jsonl.gz');
    const rejects: Reject[] = [];
    if (existsSync(rejectsPath)) for await (const reject of readLocalRejects(rejectsPath)) rejects.push(reject);
    const selection = selectRejects(rejects, options.reason);
    records.push(...selection.records);
    result.rejects = {
      read: selection.read,
      matched: selection.matched,
      skipped: selection.skipped,
      by_reason: selection.byReason,
    };
    if (selection.skipped.length > 0) result.complete = false;
  }
  result.records = records.length;
  if (records.length === 0) return result;
  result.report = await runPipeline({
    source: itemsOf(records),
    scenario: `redrive-${options.mode}`,
    outDir: out,
    repoRoot: options.repoRoot,
    shards: original.shards,
    seed: original.seed,
    stage: original.stage,
    ...(options.aggregateWorker ? { aggregateWorker: options.aggregateWorker } : {}),
  });
  if (result.report.dead_lettered > 0) {
    // Failed again: the messages stay in the original run's dlq/ (the new run has its own).
    result.complete = false;
    if (result.queues) for (const tally of Object.values(result.queues)) tally.kept += tally.messages.redriven;
    return result;
  }
  for (const queue of queues) queue.commit();
  return result;
}
