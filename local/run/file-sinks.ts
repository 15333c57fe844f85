import { createWriteStream } from 'node:fs';
import type { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { constants, createGzip } from 'node:zlib';
import type { Sink } from '#src/sinks/sink.js';

/** About how many bytes a file gathers before they reach the file system together. */
export const WRITE_BATCH_BYTES = 1024 * 1024;

/**
 * Resolves when `stream` drains, or once it has ended or been destroyed (it then emits no 'drain':
 * a stream its owner ended while it was full); rejects on its error.
 */
function drainedOrEnded(stream: Writable): Promise<void> {
  if (stream.destroyed) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const settle = (error?: Error) => {
      stream.off('drain', done).off('finish', done).off('close', done).off('error', settle);
      if (error) reject(error);
      else resolve();
    };
    const done = () => settle();
    stream.on('drain', done).on('finish', done).on('close', done).on('error', settle);
  });
}

/**
 * Writes to `stream` in batches of about `batchBytes`, handed over at once (a file stream writes
 * them with one writev). A file write per batch of records was a write on libuv's thread pool each,
 * with a wake-up of a pool thread and one of the main thread's loop, for a few KB: some 10,000 of
 * them in a 1M-event run. The chunks are kept as given (no copy) until their batch goes.
 *
 * @example const file = new BatchedWriter(createWriteStream(path)); await file.write(line); await file.end();
 */
export class BatchedWriter {
  private pending: (string | Uint8Array)[] = [];
  private bytes = 0;

  constructor(
    private readonly stream: Writable,
    private readonly batchBytes = WRITE_BATCH_BYTES,
  ) {}

  /** Adds `chunk` to the batch; hands the batch over once it holds `batchBytes` (a string counts its length). */
  async write(chunk: string | Uint8Array): Promise<void> {
    this.pending.push(chunk);
    this.bytes += chunk.length;
    if (this.bytes >= this.batchBytes) await this.flush();
  }

  /** Hands the batch gathered so far to the stream; waits only while the stream's buffer is full. */
  async flush(): Promise<void> {
    if (this.pending.length === 0) return;
    const chunks = this.pending;
    this.pending = [];
    this.bytes = 0;
    // Corked, the writes below reach the file stream together, as one _writev.
    this.stream.cork();
    let room = true;
    for (const chunk of chunks) room = this.stream.write(chunk);
    this.stream.uncork();
    if (!room) await drainedOrEnded(this.stream);
  }

  /** Hands over the last batch and ends the stream. */
  async end(): Promise<void> {
    await this.flush();
    this.stream.end();
  }
}

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
 * Writes `format(item)` for every item to `path` (created empty), in batches of about
 * WRITE_BATCH_BYTES. The write itself happens on libuv's thread pool, off the pipeline's thread (the
 * search bulk file alone is ~300 bytes per event); a batch waits only when more than the stream's
 * buffer is still queued.
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
  const file = new BatchedWriter(compressor ?? output);
  const sink: TextFileSink<T> = {
    name,
    count: 0,
    async write(items: readonly T[]) {
      if (items.length === 0) return;
      let text = '';
      for (const item of items) text += format(item);
      if (failure) throw failure;
      sink.count += items.length;
      await file.write(text);
    },
    async writeBytes(bytes: Uint8Array, items: number) {
      if (bytes.byteLength === 0) return;
      if (failure) throw failure;
      sink.count += items;
      await file.write(bytes);
    },
    async close() {
      await file.end();
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
