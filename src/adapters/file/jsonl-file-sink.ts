import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Sink } from '#src/sinks/sink.js';

/**
 * A sink appending one JSON line per item to a file: the fallback when no AWS destination is
 * configured (`sls invoke local`). One synchronous append per `write` call, so a batch is one syscall.
 */
export function createJsonlFileSink<T>(name: string, path: string): Sink<T> {
  mkdirSync(dirname(path), { recursive: true });
  return {
    name,
    async write(items: readonly T[]): Promise<void> {
      if (items.length === 0) return;
      let text = '';
      for (const item of items) text += `${JSON.stringify(item)}\n`;
      appendFileSync(path, text);
    },
  };
}
