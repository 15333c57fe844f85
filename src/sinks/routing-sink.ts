import { type Sink, SinkWriteError } from './sink.js';

/**
 * A sink that sends each item to the sink of its key (an event type to its table's delivery
 * stream), one write per key, in order of first appearance. When one key's write fails, the error
 * names the first item (in the caller's order) that may not be stored, that key's or a later key's
 * never written, so a retry resumes there; items after it may be written again, which the row ids
 * absorb.
 *
 * @example const lake = createRoutingSink('lake', (e) => e.type, (type) => firehoseSinkFor(type));
 */
export function createRoutingSink<T>(
  name: string,
  keyOf: (item: T) => string,
  sinkFor: (key: string) => Sink<T>,
): Sink<T> {
  const sinks = new Map<string, Sink<T>>();
  return {
    name,
    async write(items) {
      const groups = new Map<string, { items: T[]; positions: number[] }>();
      items.forEach((item, position) => {
        const key = keyOf(item);
        let group = groups.get(key);
        if (!group) {
          group = { items: [], positions: [] };
          groups.set(key, group);
        }
        group.items.push(item);
        group.positions.push(position);
      });
      const ordered = [...groups];
      for (const [g, [key, group]] of ordered.entries()) {
        let sink = sinks.get(key);
        if (!sink) {
          sink = sinkFor(key);
          sinks.set(key, sink);
        }
        try {
          await sink.write(group.items);
        } catch (error) {
          const failedAt = error instanceof SinkWriteError ? error.firstFailedIndex : 0;
          // The keys after this one are not written at all: their first items may come earlier
          // in the caller's order than the one that failed.
          const unwritten = ordered.slice(g + 1).map(([, later]) => later.positions[0]!);
          throw new SinkWriteError(
            `${name}: ${key}: ${(error as Error).message}`,
            name,
            Math.min(group.positions[failedAt] ?? group.positions[0]!, ...unwritten),
            { cause: error },
          );
        }
      }
    },
  };
}

/** A sink that writes every item to each of `sinks` in turn (SNS and the lake for alerts, say). */
export function createFanOutSink<T>(name: string, sinks: readonly Sink<T>[]): Sink<T> {
  return {
    name,
    async write(items) {
      for (const sink of sinks) await sink.write(items);
    },
  };
}
