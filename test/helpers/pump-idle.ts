import type { RunAccounting } from '#local/run/run-accounting.js';
import type { NamedMapping } from '#local/run/run-mappings.js';
import type { RunOutputs } from '#local/run/run-outputs.js';
import type { SourceEntry } from '#local/run/source-entry.js';
import { ArrivalClock, pumpSource, type SourceLoopResult } from '#local/run/source-loop.js';
import type { LocalStream } from '#local/stream/local-stream.js';

/**
 * Runs the source loop unpaced into `stream` with a mapping that consumes nothing, so the stream
 * keeps every record for the test to read; `outputs` and `accounting` take what the test checks.
 */
export function pumpIntoIdleStream(
  stream: LocalStream,
  source: Iterable<SourceEntry> | AsyncIterable<SourceEntry>,
  sides: { outputs?: Partial<RunOutputs>; accounting?: Partial<RunAccounting> } = {},
): Promise<SourceLoopResult> {
  const idle = { name: 'ingest', mapping: { checkpoints: [0], drain: async () => {} } } as unknown as NamedMapping;
  return pumpSource({
    source,
    stream,
    remote: undefined,
    mappings: [idle],
    outputs: (sides.outputs ?? {}) as RunOutputs,
    accounting: (sides.accounting ?? {}) as RunAccounting,
    clock: new ArrivalClock(),
    pacing: { kind: 'unpaced', chunkSize: 1000 },
    startedAt: 0,
    onProgress: undefined,
  });
}
