import { closeSync, openSync, writeSync } from 'node:fs';
import type { Sink } from '../../src/sinks/sink.js';

/** A file sink that counts what it wrote. */
export interface CountingSink<T> extends Sink<T> {
  count: number;
  close(): void;
}

/** Writes `format(item)` for every item to `path` (created empty), one write call per batch. */
function createTextFileSink<T>(
  name: string,
  path: string,
  format: (item: T) => string,
  onItem?: (item: T) => void,
): CountingSink<T> {
  const fd = openSync(path, 'w');
  const sink: CountingSink<T> = {
    name,
    count: 0,
    async write(items: readonly T[]) {
      if (items.length === 0) return;
      let text = '';
      for (const item of items) {
        text += format(item);
        onItem?.(item);
      }
      writeSync(fd, text);
      sink.count += items.length;
    },
    close: () => closeSync(fd),
  };
  return sink;
}

/** Appends one JSON line per item to `path` (created empty). */
export function createJsonlSink<T>(name: string, path: string, onItem?: (item: T) => void): CountingSink<T> {
  return createTextFileSink(name, path, (item) => `${JSON.stringify(item)}\n`, onItem);
}

/**
 * Writes OpenSearch `_bulk` NDJSON (action line + document), daily indices as the Firehose
 * OpenSearch destination rotates them (`<index>-YYYY.MM.DD`), `_id` = the row's key so a
 * re-delivery overwrites instead of duplicating. The files are ready for `curl --data-binary @… /_bulk`.
 */
export function createBulkFileSink<T extends object>(
  name: string,
  index: string,
  path: string,
  serialize: (row: T) => string,
  /** The document `_id`: the key that makes re-indexing idempotent. */
  idOf: (row: T) => string,
  /** The time that picks the daily index. */
  timeOf: (row: T) => number,
): CountingSink<T> {
  // Index names change once a day: build the action prefix once per day, not once per document.
  let cachedDay = Number.NaN;
  let cachedAction = '';
  const actionFor = (ts: number) => {
    const day = Math.floor(ts / 86_400_000);
    if (day !== cachedDay) {
      cachedDay = day;
      const date = new Date(day * 86_400_000).toISOString().slice(0, 10).replaceAll('-', '.');
      cachedAction = `{"index":{"_index":"${index}-${date}","_id":`;
    }
    return cachedAction;
  };
  return createTextFileSink(
    name,
    path,
    (row) => `${actionFor(timeOf(row))}${JSON.stringify(idOf(row))}}}\n${serialize(row)}\n`,
  );
}
