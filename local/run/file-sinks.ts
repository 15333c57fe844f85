import { closeSync, openSync, writeSync } from 'node:fs';
import type { Sink } from '../../src/sinks/sink.js';

/** A JSONL file sink that counts what it wrote; buffered so a batch is one write. */
export interface CountingSink<T> extends Sink<T> {
  count: number;
  close(): void;
}

/** Appends one JSON line per item to `path` (created empty). */
export function createJsonlSink<T>(name: string, path: string, onItem?: (item: T) => void): CountingSink<T> {
  const fd = openSync(path, 'w');
  const sink: CountingSink<T> = {
    name,
    count: 0,
    async write(items: readonly T[]) {
      if (items.length === 0) return;
      let text = '';
      for (const item of items) {
        text += `${JSON.stringify(item)}\n`;
        onItem?.(item);
      }
      writeSync(fd, text);
      sink.count += items.length;
    },
    close: () => closeSync(fd),
  };
  return sink;
}

/** The OpenSearch document id of a row: the key that makes re-indexing idempotent. */
function documentId(row: Record<string, unknown>): string {
  return String(row.alert_id ?? row.window_id ?? row.event_id);
}

/**
 * Writes OpenSearch `_bulk` NDJSON files (action line + document), daily indices as the Firehose
 * OpenSearch destination rotates them (`<index>-YYYY.MM.DD`), `_id` = event id so a re-delivery
 * overwrites instead of duplicating. `fleetstream run --opensearch URL` posts the same bodies.
 */
export function createBulkFileSink<T extends object>(name: string, index: string, path: string): CountingSink<T> {
  const fd = openSync(path, 'w');
  const sink: CountingSink<T> = {
    name,
    count: 0,
    async write(items: readonly T[]) {
      if (items.length === 0) return;
      let text = '';
      for (const item of items) {
        const row = item as Record<string, unknown>;
        const ts = typeof row.ts === 'number' ? row.ts : typeof row.window_start === 'number' ? row.window_start : 0;
        const day = new Date(ts).toISOString().slice(0, 10).replaceAll('-', '.');
        text += `{"index":{"_index":"${index}-${day}","_id":${JSON.stringify(documentId(row))}}}\n${JSON.stringify(row)}\n`;
      }
      writeSync(fd, text);
      sink.count += items.length;
    },
    close: () => closeSync(fd),
  };
  return sink;
}
