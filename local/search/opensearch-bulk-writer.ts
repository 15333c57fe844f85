import { appendFileSync } from 'node:fs';
import { backoffDelay, sleep } from '#src/adapters/aws/retry.js';
import { createBulkFormatter } from '#src/search/bulk-lines.js';
import { INDEX_FAMILIES, type IndexFamily, indexTemplate } from '#src/search/index-templates.js';
import type { Sink } from '#src/sinks/sink.js';

/** What went into OpenSearch, for the run report. */
export interface OpenSearchStats {
  url: string;
  /** Documents indexed (created or overwritten), per index. */
  indexed: Record<string, number>;
  /** Documents OpenSearch refused (mapping errors, …): each is in the failed-documents file with its reason. */
  failed: number;
  failed_path: string;
  bulk_requests: number;
  /** Documents sent again after a 429 (queue full) on their item. */
  retried_documents: number;
}

/** Options of OpenSearchBulkWriter. */
export interface OpenSearchWriterOptions {
  url: string;
  /** JSON lines of the documents OpenSearch refused, like Firehose's S3 backup of failed documents. */
  failedPath: string;
  /** Bulk body size that triggers a request (Firehose's OpenSearch buffering default is 5 MB). */
  flushBytes?: number;
  maxAttempts?: number;
  baseDelayMs?: number;
}

/** Thrown when OpenSearch cannot be reached or keeps refusing whole requests. */
export class OpenSearchError extends Error {
  override readonly name = 'OpenSearchError';
}

interface BulkItem {
  status: number;
  _index: string;
  _id: string;
  error?: { type?: string; reason?: string };
}

/**
 * The local stand-in for the Firehose → OpenSearch delivery streams, against a real node: the
 * sinks append `_bulk` lines to one buffer that is sent (one request in flight, in the background)
 * whenever it passes `flushBytes`. Whole-request failures (connection refused, 429, 5xx) are retried
 * with backoff; per-document 429s are sent again; any other per-document failure is written to
 * `failedPath` with the reason and counted, never dropped.
 */
export class OpenSearchBulkWriter {
  readonly stats: OpenSearchStats;
  private lines: string[] = [];
  private bytes = 0;
  private sending: Promise<void> = Promise.resolve();
  private failure: Error | undefined;
  private readonly flushBytes: number;
  private readonly maxAttempts: number;
  private readonly baseDelayMs: number;

  constructor(private readonly options: OpenSearchWriterOptions) {
    this.flushBytes = options.flushBytes ?? 5 * 1024 * 1024;
    this.maxAttempts = options.maxAttempts ?? 6;
    this.baseDelayMs = options.baseDelayMs ?? 200;
    this.stats = {
      url: options.url,
      indexed: {},
      failed: 0,
      failed_path: options.failedPath,
      bulk_requests: 0,
      retried_documents: 0,
    };
  }

  /** Checks the node answers and puts the index templates generated from `schemas/`. */
  async applyTemplates(): Promise<void> {
    for (const family of Object.values(INDEX_FAMILIES)) {
      await this.request('PUT', `/_index_template/${family.prefix}`, JSON.stringify(indexTemplate(family)));
    }
  }

  /** A sink writing rows of one index family, documents serialised by `serialize`. */
  sinkFor<T extends object>(name: string, family: IndexFamily, serialize: (row: T) => string): Sink<T> {
    const format = createBulkFormatter(family, serialize);
    return {
      name,
      write: async (rows) => {
        if (this.failure) throw this.failure;
        for (const row of rows) {
          const text = format(row);
          this.lines.push(text);
          this.bytes += text.length;
        }
        if (this.bytes >= this.flushBytes) await this.flush();
      },
    };
  }

  /** Sends what is buffered after the request in flight; waits only while one is still in flight. */
  private async flush(): Promise<void> {
    const lines = this.lines;
    this.lines = [];
    this.bytes = 0;
    const previous = this.sending;
    this.sending = previous
      .then(() => this.send(lines))
      .catch((error: Error) => {
        this.failure ??= error;
      });
    await previous;
    if (this.failure) throw this.failure;
  }

  /** Sends the rest, waits for every request and refreshes the indices so they are searchable. */
  async close(): Promise<OpenSearchStats> {
    if (this.lines.length > 0) await this.flush();
    await this.sending;
    if (this.failure) throw this.failure;
    await this.request('POST', `/${Object.values(INDEX_FAMILIES).map((f) => `${f.prefix}-*`)}/_refresh`);
    return this.stats;
  }

  private async send(lines: string[]): Promise<void> {
    let pending = lines;
    for (let attempt = 1; pending.length > 0; attempt++) {
      if (attempt > 1) await sleep(backoffDelay(attempt - 1, this.baseDelayMs));
      const answer = JSON.parse(
        await this.request(
          'POST',
          '/_bulk?filter_path=errors,items.*.status,items.*._index,items.*._id,items.*.error',
          pending.join(''),
        ),
      ) as { errors: boolean; items: Record<string, BulkItem>[] };
      if (answer.items.length !== pending.length)
        throw new OpenSearchError(`_bulk answered ${answer.items.length} items for ${pending.length} documents`);
      const again: string[] = [];
      answer.items.forEach((entry, index) => {
        const item = Object.values(entry)[0]!;
        if (item.status < 300) {
          this.stats.indexed[item._index] = (this.stats.indexed[item._index] ?? 0) + 1;
        } else if (item.status === 429 && attempt < this.maxAttempts) {
          again.push(pending[index]!);
        } else {
          this.stats.failed++;
          const [, document] = pending[index]!.split('\n');
          appendFileSync(
            this.options.failedPath,
            `${JSON.stringify({
              index: item._index,
              id: item._id,
              status: item.status,
              reason: `${item.error?.type ?? 'error'}: ${item.error?.reason ?? ''}`.trim(),
              document: JSON.parse(document!),
            })}\n`,
          );
        }
      });
      this.stats.retried_documents += again.length;
      pending = again;
    }
  }

  /** One HTTP call, retried on connection errors, 429 and 5xx; resolves to the response body. */
  private async request(method: string, path: string, body?: string): Promise<string> {
    const url = `${this.options.url.replace(/\/$/, '')}${path}`;
    let last = '';
    for (let attempt = 1; attempt <= this.maxAttempts; attempt++) {
      if (attempt > 1) await sleep(backoffDelay(attempt - 1, this.baseDelayMs));
      if (path.startsWith('/_bulk')) this.stats.bulk_requests++;
      let response: Response;
      try {
        response = await fetch(url, {
          method,
          headers: { 'content-type': path.startsWith('/_bulk') ? 'application/x-ndjson' : 'application/json' },
          ...(body === undefined ? {} : { body }),
        });
      } catch (error) {
        last = `${(error as Error).message}${(error as { cause?: Error }).cause ? ` (${(error as { cause: Error }).cause.message})` : ''}`;
        continue;
      }
      const text = await response.text();
      if (response.ok) return text;
      last = `HTTP ${response.status}: ${text.slice(0, 500)}`;
      if (response.status !== 429 && response.status < 500) break;
    }
    throw new OpenSearchError(`OpenSearch ${method} ${url} failed: ${last}`);
  }
}
