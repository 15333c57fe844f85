import { Buffer } from 'node:buffer';
import { backoffDelay, sleep as realSleep, type Sleep } from '#src/adapters/aws/retry.js';
import { createBulkFormatter } from '#src/search/bulk-lines.js';
import type { IndexFamily } from '#src/search/index-templates.js';
import { type Sink, SinkWriteError } from '#src/sinks/sink.js';

/** One item of a `_bulk` answer (filter_path keeps these fields). */
export interface BulkItem {
  status: number;
  _index?: string;
  _id?: string;
  error?: { type?: string; reason?: string };
}

/** A `_bulk` answer: `errors` false means every action succeeded (then `items` may be left out). */
export interface BulkAnswer {
  errors: boolean;
  items?: Record<string, BulkItem>[];
}

/**
 * Sends one `_bulk` body (NDJSON) and answers as OpenSearch does; throws when the request as a whole
 * failed (connection, 429, 5xx) so it is retried. A signed fetch on AWS, a plain one locally.
 */
export type BulkTransport = (body: string) => Promise<BulkAnswer>;

/** A document OpenSearch refused for good (a mapping error, say), kept with the reason to be fixed and sent again. */
export interface FailedDocument {
  index: string;
  id: string;
  status: number;
  reason: string;
  document: unknown;
}

/** Options of createBulkSink. */
export interface BulkSinkOptions<T extends object> {
  name: string;
  family: IndexFamily;
  serialize: (row: T) => string;
  transport: BulkTransport;
  /** Where refused documents go (S3 `search-failed/` on AWS, `search-failed.jsonl` locally). */
  failed: Sink<FailedDocument>;
  /**
   * Bytes per request, in UTF-8 as sent (default 5 MiB, the size Firehose's OpenSearch destination
   * buffers by default). OpenSearch Service caps a request's payload per instance type (its service
   * quotas, 10 MiB on the smallest types as we know them; the page is not in our stored sources). A
   * document larger than this alone goes in a request of its own.
   */
  maxRequestBytes?: number;
  maxAttempts?: number;
  baseDelayMs?: number;
  sleep?: Sleep;
}

/**
 * A sink indexing rows into an OpenSearch index family with `_bulk`, each document's `_id` its row
 * id (`event_id`, `alert_id`, `window_id`), in daily indices by the row's own time: a row written
 * again after any redelivery overwrites itself, so the index holds each id once, which Firehose's
 * OpenSearch destination cannot give (its document ids are its own:
 * https://docs.aws.amazon.com/firehose/latest/APIReference/API_DocumentIdOptions.html). A write
 * returns once every document is indexed or refused for good: refused ones (a mapping error) go to
 * `failed` with the reason; a 429 on a document, or a failed request, is retried with backoff, and
 * past `maxAttempts` the write throws SinkWriteError naming the first row not indexed.
 *
 * @example createBulkSink({ name: 'search', family: INDEX_FAMILIES.events, serialize: serializeEvent, transport, failed })
 */
export function createBulkSink<T extends object>(options: BulkSinkOptions<T>): Sink<T> {
  const format = createBulkFormatter(options.family, options.serialize);
  const maxBytes = options.maxRequestBytes ?? 5 * 1024 * 1024;
  const maxAttempts = options.maxAttempts ?? 6;
  const baseDelayMs = options.baseDelayMs ?? 200;
  const sleep = options.sleep ?? realSleep;

  let lastFailure = '';

  /** Indexes one request's documents (`lines[i]` is row `rows[i]`); resolves to the rows not indexed. */
  // The documents still to index travel as two parallel arrays (their `_bulk` lines, their rows):
  // an object per document and a mapped array per attempt cost the hot path for retries that rarely come.
  async function index(lines: string[], rows: number[]): Promise<number[]> {
    let pendingLines = lines;
    let pendingRows = rows;
    let lastError = '';
    for (let attempt = 1; attempt <= maxAttempts && pendingLines.length > 0; attempt++) {
      if (attempt > 1) await sleep(backoffDelay(attempt - 1, baseDelayMs));
      let answer: BulkAnswer;
      try {
        answer = await options.transport(pendingLines.join(''));
      } catch (error) {
        lastError = error instanceof Error ? error.message : String(error);
        continue;
      }
      if (!answer.errors) return [];
      const items = answer.items ?? [];
      if (items.length !== pendingLines.length)
        throw new SinkWriteError(
          `${options.name}: _bulk answered ${items.length} items for ${pendingLines.length} documents`,
          options.name,
          pendingRows[0]!,
        );
      const againLines: string[] = [];
      const againRows: number[] = [];
      const refused: FailedDocument[] = [];
      items.forEach((entry, i) => {
        const item = Object.values(entry)[0]!;
        if (item.status < 300) return;
        if (item.status === 429 || item.status >= 500) {
          againLines.push(pendingLines[i]!);
          againRows.push(pendingRows[i]!);
          lastError = `${item.status} ${item.error?.type ?? ''}`.trim();
          return;
        }
        const [, document] = pendingLines[i]!.split('\n');
        refused.push({
          index: item._index ?? '',
          id: item._id ?? '',
          status: item.status,
          reason: `${item.error?.type ?? 'error'}: ${item.error?.reason ?? ''}`.trim(),
          document: JSON.parse(document!),
        });
      });
      if (refused.length > 0) await options.failed.write(refused);
      pendingLines = againLines;
      pendingRows = againRows;
    }
    if (pendingLines.length > 0) lastFailure = lastError || 'retries ran out';
    return pendingRows;
  }

  return {
    name: options.name,
    async write(items) {
      let lines: string[] = [];
      let rows: number[] = [];
      const size = new RequestSize(maxBytes);
      let notIndexed: number[] = [];
      const send = async () => {
        if (lines.length === 0) return;
        notIndexed = notIndexed.concat(await index(lines, rows));
        lines = [];
        rows = [];
        size.reset();
      };
      for (let i = 0; i < items.length; i++) {
        const line = format(items[i]!);
        if (lines.length > 0 && !size.fits(line, lines)) await send();
        lines.push(line);
        rows.push(i);
        size.add(line);
      }
      await send();
      if (notIndexed.length > 0)
        throw new SinkWriteError(
          `${options.name}: ${notIndexed.length} document(s) not indexed after ${maxAttempts} attempts (${lastFailure})`,
          options.name,
          Math.min(...notIndexed),
        );
    },
  };
}

/**
 * The size of a request being filled, against its cap in UTF-8 bytes. A UTF-16 code unit takes at
 * most 3 bytes in UTF-8, so while three times the code units stay within the cap nothing is measured
 * (a shard batch's bodies are far below it); past that, every line is measured in bytes. Counting
 * code units alone would let a body of text past U+007F reach three times the cap.
 */
class RequestSize {
  private units = 0;
  /** The lines' UTF-8 bytes, once measured (-1 until then). */
  private bytes = -1;

  constructor(private readonly maxBytes: number) {}

  /** Whether `line` still fits after `lines` (the request's lines so far). */
  fits(line: string, lines: readonly string[]): boolean {
    if (this.bytes < 0 && (this.units + line.length) * 3 <= this.maxBytes) return true;
    if (this.bytes < 0) this.bytes = lines.reduce((sum, l) => sum + Buffer.byteLength(l), 0);
    return this.bytes + Buffer.byteLength(line) <= this.maxBytes;
  }

  add(line: string): void {
    this.units += line.length;
    if (this.bytes >= 0) this.bytes += Buffer.byteLength(line);
  }

  reset(): void {
    this.units = 0;
    this.bytes = -1;
  }
}
