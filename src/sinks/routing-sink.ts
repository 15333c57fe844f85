import { type Sink, SinkWriteError } from './sink.js';

/**
 * A sink that sends each item to the sink of its key (an event type to its table's delivery
 * stream), one write per key, in order of first appearance. When one key's write fails, the error
 * names the first item (in the caller's order) that sink may not have stored, so a retry resumes
 * there; items of other keys after it may be written again, which `event_id` keys absorb.
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
      for (const [key, group] of groups) {
        let sink = sinks.get(key);
        if (!sink) {
          sink = sinkFor(key);
          sinks.set(key, sink);
        }
        try {
          await sink.write(group.items);
        } catch (error) {
          const failedAt = error instanceof SinkWriteError ? error.firstFailedIndex : 0;
          throw new SinkWriteError(
            `${name}: ${key}: ${(error as Error).message}`,
            name,
            group.positions[failedAt] ?? group.positions[0]!,
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
