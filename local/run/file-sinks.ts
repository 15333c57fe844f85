import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { finished } from 'node:stream/promises';
import { constants, createGzip } from 'node:zlib';
import type { Sink } from '#src/sinks/sink.js';

/** A file sink that counts what it wrote. */
export interface CountingSink<T> extends Sink<T> {
  count: number;
  /** Waits until everything written is in the file, then closes it. */
  close(): Promise<void>;
}

/** A file sink of text, which also takes text already formatted as UTF-8. */
export interface TextFileSink<T> extends CountingSink<T> {
  /** Writes `items` items already formatted, as UTF-8 (what an ingest worker gathered), without a copy. */
  writeBytes(bytes: Uint8Array, items: number): Promise<void>;
}

/**
 * Writes `format(item)` for every item to `path` (created empty), one write per batch. The write
 * itself happens on libuv's thread pool, off the pipeline's thread (the search bulk file alone is
 * ~300 bytes per event); a batch waits only when more than the stream's buffer is still queued.
 */
function createTextFileSink<T>(
  name: string,
  path: string,
  format: (item: T) => string,
  { gzip = false }: { gzip?: boolean } = {},
): TextFileSink<T> {
  const output = createWriteStream(path, { flags: 'w', highWaterMark: 16 * 1024 * 1024 });
  let failure: Error | undefined;
  output.on('error', (error) => {
    failure = error;
  });
  // Gzip level 1: fast, and a reject's repeated names and positions shrink ten-fold and more.
  const compressor = gzip ? createGzip({ level: constants.Z_BEST_SPEED }) : undefined;
  compressor?.on('error', (error) => {
    failure = error;
  });
  compressor?.pipe(output);
  const file = compressor ?? output;
  const sink: TextFileSink<T> = {
    name,
    count: 0,
    async write(items: readonly T[]) {
      if (items.length === 0) return;
      let text = '';
      for (const item of items) text += format(item);
      if (failure) throw failure;
      sink.count += items.length;
      if (!file.write(text)) await once(file, 'drain');
    },
    async writeBytes(bytes: Uint8Array, items: number) {
      if (bytes.byteLength === 0) return;
      if (failure) throw failure;
      sink.count += items;
      if (!file.write(bytes)) await once(file, 'drain');
    },
    async close() {
      file.end();
      await finished(output);
    },
  };
  return sink;
}

/** Appends each item, a line of text, to `path` (created empty). */
export function createLineSink(name: string, path: string): CountingSink<string> {
  return createTextFileSink(name, path, (line) => `${line}\n`);
}

/**
 * Appends one JSON line per item to `path` (created empty), gzip-compressed: the local reject store,
 * which keeps whole payloads and so stays within a small multiple of the input however many tiny
 * records are rejected (docs/local-runtime.md).
 */
export function createGzipJsonlSink<T>(name: string, path: string): CountingSink<T> {
  return createTextFileSink(name, path, (item) => `${JSON.stringify(item)}\n`, { gzip: true });
}

/** Appends one JSON line per item to `path` (created empty). */
export function createJsonlSink<T>(name: string, path: string): CountingSink<T> {
  return createTextFileSink(name, path, (item) => `${JSON.stringify(item)}\n`);
}

/** Appends each item, text written as it is (a `_bulk` body, say), to `path` (created empty). */
export function createTextSink(name: string, path: string): TextFileSink<string> {
  return createTextFileSink(name, path, (text) => text);
}
