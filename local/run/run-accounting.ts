import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import { finished } from 'node:stream/promises';
import { addBatchCounts, type BatchCounts, type BatchResult, emptyBatchCounts } from '#src/ingest/process-batch.js';
import { jsonString } from '#src/schema/compile-serializer.js';
import { BatchedWriter } from './file-sinks.js';

/** Where the accounting spools the ids the sinks must hold, for the verifier (local/verify/). */
export function spoolPaths(outDir: string) {
  const dir = join(outDir, 'verify');
  return { dir, acceptedIds: join(dir, 'accepted-ids.jsonl'), alertIds: join(dir, 'alert-ids.jsonl') };
}

/** One JSON line per id (`{"id": …}`, with a `type` when given; an id may hold any character). */
export function formatIdLines(ids: readonly (string | { id: string; type: string })[]): string {
  let text = '';
  for (const id of ids)
    text +=
      typeof id === 'string'
        ? `{"id":${jsonString(id)}}\n`
        : `{"id":${jsonString(id.id)},"type":${jsonString(id.type)}}\n`;
  return text;
}

/** The spool of ids, appended batch by batch and written in batches of about WRITE_BATCH_BYTES. */
class IdSpool {
  private readonly file: WriteStream;
  private readonly batches: BatchedWriter;
  constructor(path: string) {
    this.file = createWriteStream(path, { flags: 'w', highWaterMark: 4 * 1024 * 1024 });
    this.batches = new BatchedWriter(this.file);
  }
  async append(lines: string | Uint8Array): Promise<void> {
    if (lines.length === 0) return;
    await this.batches.write(lines);
  }
  async close(): Promise<void> {
    await this.batches.end();
    await finished(this.file);
  }
}

/**
 * The run's own account of every record, taken from the ingest invocations Lambda would act on:
 * each counts only the records before its first failure (the ones Lambda checkpoints past), so
 * every record is counted once whatever was retried, bisected, crashed or cold-started. It also
 * spools the ids every accepted record and alert must leave in the sinks, which the verifier
 * checks the outputs against.
 *
 * @example const accounting = new RunAccounting(outDir); accounting.commit(result); await accounting.close();
 */
export class RunAccounting {
  /**
   * Every invocation's counts summed, the source's own rejects included. KPL aggregates read and the
   * user records they held are there too: a record in counts as its user records.
   */
  readonly counts: BatchCounts = emptyBatchCounts();
  private readonly acceptedIds: IdSpool;
  private readonly alertIds: IdSpool;
  private writes: Promise<void> = Promise.resolve();

  constructor(outDir: string) {
    const paths = spoolPaths(outDir);
    mkdirSync(paths.dir, { recursive: true });
    this.acceptedIds = new IdSpool(paths.acceptedIds);
    this.alertIds = new IdSpool(paths.alertIds);
  }

  /** Counts a batch Lambda acted on and spools its effects. */
  commit(result: BatchResult): void {
    const effects = result.counts.accepted === 0 ? undefined : result.effects();
    this.commitLines(
      result.counts,
      effects ? formatIdLines(effects.events) : '',
      effects ? formatIdLines(effects.alertIds) : '',
    );
  }

  /** Counts a batch Lambda acted on whose ids are already spool lines (formatted in an ingest worker, as UTF-8). */
  commitLines(counts: BatchCounts, acceptedLines: string | Uint8Array, alertLines: string | Uint8Array): void {
    addBatchCounts(this.counts, counts);
    if (acceptedLines.length === 0 && alertLines.length === 0) return;
    this.writes = this.writes.then(async () => {
      await this.acceptedIds.append(acceptedLines);
      await this.alertIds.append(alertLines);
    });
  }

  /** A record the source itself rejected (it never reached the stream). */
  sourceReject(reason: string): void {
    this.counts.rejected++;
    this.counts.byReason[reason] = (this.counts.byReason[reason] ?? 0) + 1;
  }

  /** Waits for the spools to reach the disk. */
  async close(): Promise<void> {
    await this.writes;
    await Promise.all([this.acceptedIds.close(), this.alertIds.close()]);
  }
}
