import { type Sink, SinkWriteError } from '#src/sinks/sink.js';

/**
 * A sink that keeps what it stored and can be told to fail its next write, storing the items
 * before the failure as a real destination would (SinkWriteError's contract).
 *
 * @example const lake = new MemorySink('lake'); lake.failOnce(3); await expect(lake.write(items)).rejects.toThrow(SinkWriteError);
 */
export class MemorySink<T> implements Sink<T> {
  readonly stored: T[] = [];
  /** Decides whether the next write fails (and from which item); reset after each write. */
  failNext: ((items: readonly T[]) => SinkWriteError | undefined) | undefined;

  constructor(readonly name: string) {}

  /** The next write stores the items before `at`, then throws a throttling SinkWriteError. */
  failOnce(at: number): void {
    this.failNext = () => new SinkWriteError('throttled', this.name, at);
  }

  async write(items: readonly T[]): Promise<void> {
    const failure = this.failNext?.(items);
    this.failNext = undefined;
    if (failure) {
      for (const item of items.slice(0, failure.firstFailedIndex)) this.stored.push(item);
      throw failure;
    }
    for (const item of items) this.stored.push(item);
  }
}

/**
 * One MemorySink per ingest sink, typed loosely (tests read the stored items field by field):
 * alerts go to `notifications` and `alertsLake`, the two alert destinations.
 */
export function memoryIngestSinks() {
  const notifications = new MemorySink<Record<string, unknown>>('notifications');
  const alertsLake = new MemorySink<Record<string, unknown>>('alerts-lake');
  return {
    lake: new MemorySink<Record<string, unknown>>('lake'),
    search: new MemorySink<Record<string, unknown>>('search'),
    alerts: [notifications, alertsLake],
    notifications,
    alertsLake,
    rejects: new MemorySink<Record<string, unknown>>('rejects'),
    duplicates: new MemorySink<Record<string, unknown>>('duplicates'),
  };
}
