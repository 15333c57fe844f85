import { appendFileSync } from 'node:fs';
import { backoffDelay, sleep } from '#src/adapters/aws/retry.js';
import { type BulkTransport, createBulkSink, type FailedDocument } from '#src/adapters/opensearch/bulk-sink.js';
import { createHttpBulkTransport } from '#src/adapters/opensearch/bulk-transport.js';
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
  /** JSON lines of the documents OpenSearch refused, as the functions keep them under `search-failed/` on AWS. */
  failedPath: string;
  maxAttempts?: number;
  baseDelayMs?: number;
}

/** Thrown when OpenSearch cannot be reached or keeps refusing whole requests. */
export class OpenSearchError extends Error {
  override readonly name = 'OpenSearchError';
}

/**
 * Indexing into a real OpenSearch node as the functions do on AWS: each sink is the same `_bulk`
 * sink (src/adapters/opensearch/bulk-sink.ts), one request per write, awaited, `_id` the row's id;
 * documents the node refuses go to `failedPath` with the reason (as `search-failed/` in the lake
 * bucket on AWS) and are counted, never dropped. Also puts the index templates and refreshes the
 * indices at the end so they are searchable.
 */
export class OpenSearchBulkWriter {
  readonly stats: OpenSearchStats;
  private readonly maxAttempts: number;
  private readonly baseDelayMs: number;
  private readonly transport: BulkTransport;
  private readonly failed: Sink<FailedDocument>;

  constructor(private readonly options: OpenSearchWriterOptions) {
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
    const http = createHttpBulkTransport(options.url, (url, init) => fetch(url, init));
    this.transport = async (body) => {
      this.stats.bulk_requests++;
      const answer = await http(body);
      for (const entry of answer.items ?? []) {
        const item = Object.values(entry)[0]!;
        if (item.status < 300 && item._index)
          this.stats.indexed[item._index] = (this.stats.indexed[item._index] ?? 0) + 1;
        else if (item.status === 429 || item.status >= 500) this.stats.retried_documents++;
      }
      return answer;
    };
    this.failed = {
      name: 'search-failed',
      write: async (documents) => {
        this.stats.failed += documents.length;
        appendFileSync(options.failedPath, documents.map((d) => `${JSON.stringify(d)}\n`).join(''));
      },
    };
  }

  /** Checks the node answers and puts the index templates generated from `schemas/`. */
  async applyTemplates(): Promise<void> {
    for (const family of Object.values(INDEX_FAMILIES)) {
      await this.request('PUT', `/_index_template/${family.prefix}`, JSON.stringify(indexTemplate(family)));
    }
  }

  /** A sink indexing rows of one index family, documents serialised by `serialize`. */
  sinkFor<T extends object>(name: string, family: IndexFamily, serialize: (row: T) => string): Sink<T> {
    return createBulkSink<T>({
      name,
      family,
      serialize,
      transport: this.transport,
      failed: this.failed,
      maxAttempts: this.maxAttempts,
      baseDelayMs: this.baseDelayMs,
    });
  }

  /** Refreshes the indices so they are searchable, and says what went in. */
  async close(): Promise<OpenSearchStats> {
    await this.request('POST', `/${Object.values(INDEX_FAMILIES).map((f) => `${f.prefix}-*`)}/_refresh`);
    return this.stats;
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
