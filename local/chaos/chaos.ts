import { existsSync, readFileSync } from 'node:fs';
import { createRandom } from '#src/simulate/random.js';
import { type Sink, SinkWriteError } from '#src/sinks/sink.js';
import { invocationScope, type MappingFaults } from '../esm/event-source-mapping.js';
import { recordOf, type SourceEntry } from '../run/source-entry.js';

/** The faults a chaos run injects; every rate is a probability in [0, 1]. */
export interface ChaosSpec {
  /** Seed of every fault decision: the same spec and input give the same faults. */
  seed: number;
  /** Per invocation: it lands in a fresh execution environment (a cold start). */
  coldStarts: number;
  /** Per invocation: the environment dies mid-batch, after some sink writes landed. */
  crashes: number;
  /** ingest's ParallelizationFactor (1-10), instead of the stage's. */
  parallelization?: number;
  /** Per sink write (lake, search, each alert destination, rejects, duplicates, window rows, late): it fails part-way. */
  sinkFailures: number;
  /** Per record or entry sent to the Firehose and SNS stand-ins: it fails in a partial response and is retried. */
  throttles: number;
  /** Per produced record: the producer sends it twice. */
  duplicates: number;
  /** Per produced record: it arrives 20 minutes late (after its window closed: window + lateness). */
  late: number;
  /** Per produced record: it arrives 30 seconds late (out of order, within the allowed lateness). */
  reorder: number;
}

/** What a chaos run injected, for the report. */
export interface ChaosStats {
  spec: ChaosSpec;
  sink_failures: number;
  crashes_armed: number;
  cold_starts_forced: number;
  throttled: number;
  duplicates_sent: number;
  delayed_late: number;
  delayed_reorder: number;
}

const NAMES: Record<string, keyof ChaosSpec> = {
  seed: 'seed',
  'cold-starts': 'coldStarts',
  crashes: 'crashes',
  parallelization: 'parallelization',
  'sink-failures': 'sinkFailures',
  throttles: 'throttles',
  duplicates: 'duplicates',
  late: 'late',
  reorder: 'reorder',
};

/** A chaos spec that is not understood, naming what. */
export class ChaosSpecError extends Error {
  override readonly name = 'ChaosSpecError';
}

/**
 * Reads `--chaos`: `key=value,…` (keys: seed, cold-starts, crashes, parallelization, sink-failures,
 * throttles, duplicates, late, reorder) or the path of a JSON file with the same keys.
 *
 * @example parseChaosSpec('cold-starts=0.01,parallelization=4,sink-failures=0.02,duplicates=0.01,late=0.01')
 */
export function parseChaosSpec(text: string): ChaosSpec {
  const entries: [string, unknown][] = existsSync(text)
    ? Object.entries(JSON.parse(readFileSync(text, 'utf8')) as Record<string, unknown>)
    : text
        .split(',')
        .filter((part) => part.trim() !== '')
        .map((part) => {
          const [key, value, ...rest] = part.split('=');
          if (value === undefined || rest.length > 0) throw new ChaosSpecError(`--chaos: "${part}" is not key=value`);
          return [key!.trim(), value.trim()];
        });
  const spec: ChaosSpec = {
    seed: 1,
    coldStarts: 0,
    crashes: 0,
    sinkFailures: 0,
    throttles: 0,
    duplicates: 0,
    late: 0,
    reorder: 0,
  };
  for (const [key, raw] of entries) {
    const field = NAMES[key];
    if (!field) throw new ChaosSpecError(`--chaos: unknown key "${key}"; known: ${Object.keys(NAMES).join(', ')}`);
    const value = Number(raw);
    if (!Number.isFinite(value)) throw new ChaosSpecError(`--chaos: ${key} must be a number, got "${raw}"`);
    if (field === 'parallelization') {
      if (!Number.isInteger(value) || value < 1 || value > 10)
        throw new ChaosSpecError(`--chaos: parallelization must be 1 to 10, got ${value}`);
    } else if (field !== 'seed' && (value < 0 || value > 1))
      throw new ChaosSpecError(`--chaos: ${key} is a probability in [0, 1], got ${value}`);
    (spec as unknown as Record<string, number>)[field] = value;
  }
  return spec;
}

/** The delays of late and reordered records, in ms of arrival time. */
const LATE_MS = 20 * 60_000;
const REORDER_MS = 30_000;

/**
 * Fault injection for a local run, every decision drawn from seeded generators: forced cold
 * starts and crashes for the mappings, part-way failures of the functions' sinks, throttled entries
 * in the Firehose and SNS stand-ins, and a source that sends duplicates, late and reordered records.
 * The run's verification then proves nothing was lost or doubled.
 *
 * @example const chaos = new Chaos(parseChaosSpec('crashes=0.01')); runPipeline({ …, chaos });
 */
export class Chaos {
  readonly stats: ChaosStats;
  private readonly mappingRandom: () => number;
  private readonly sinkRandom: () => number;
  private readonly standInRandom: () => number;
  private readonly sourceRandom: () => number;

  constructor(readonly spec: ChaosSpec) {
    this.stats = {
      spec,
      sink_failures: 0,
      crashes_armed: 0,
      cold_starts_forced: 0,
      throttled: 0,
      duplicates_sent: 0,
      delayed_late: 0,
      delayed_reorder: 0,
    };
    this.mappingRandom = createRandom(spec.seed * 4 + 1);
    this.sinkRandom = createRandom(spec.seed * 4 + 2);
    this.standInRandom = createRandom(spec.seed * 4 + 3);
    this.sourceRandom = createRandom(spec.seed * 4 + 4);
  }

  /** Cold starts and crashes for a mapping's invocations. */
  mappingFaults(): MappingFaults {
    return {
      coldStart: () => {
        const cold = this.mappingRandom() < this.spec.coldStarts;
        if (cold) this.stats.cold_starts_forced++;
        return cold;
      },
      crash: () => {
        if (this.mappingRandom() >= this.spec.crashes) return undefined;
        this.stats.crashes_armed++;
        return Math.floor(this.mappingRandom() * 4);
      },
    };
  }

  /** Whether a record or entry sent to a stand-in fails in its partial response. */
  readonly throttle = (): boolean => {
    const throttled = this.standInRandom() < this.spec.throttles;
    if (throttled) this.stats.throttled++;
    return throttled;
  };

  /**
   * The sink with faults: a write may fail part-way (the items before a random point stored, a
   * SinkWriteError naming it), and in an invocation whose environment crashes, writes past the
   * crash point store a random prefix and the rest never land.
   */
  wrapSink<T>(sink: Sink<T>): Sink<T> {
    return {
      name: sink.name,
      write: async (items) => {
        const scope = invocationScope.getStore();
        if (scope?.crashAfterWrites !== undefined) {
          if (scope.crashed) return;
          if (++scope.writes > scope.crashAfterWrites) {
            scope.crashed = true;
            await sink.write(items.slice(0, Math.floor(this.sinkRandom() * items.length)));
            return;
          }
        }
        if (items.length > 0 && this.sinkRandom() < this.spec.sinkFailures) {
          this.stats.sink_failures++;
          const at = Math.floor(this.sinkRandom() * items.length);
          await sink.write(items.slice(0, at));
          throw new SinkWriteError(`${sink.name}: injected failure at item ${at}`, sink.name, at);
        }
        await sink.write(items);
      },
    };
  }

  /** The source with producer duplicates, late and reordered records (their arrival time moved on). */
  async *wrapSource(source: Iterable<SourceEntry> | AsyncIterable<SourceEntry>): AsyncGenerator<SourceEntry> {
    const held: { releaseMs: number; item: SourceEntry }[] = [];
    let clock = 0;
    for await (const item of source) {
      const record = recordOf(item);
      if (record !== undefined) {
        clock = Math.max(clock, record.arrivalMs ?? clock);
        while (held.length > 0 && held[0]!.releaseMs <= clock) yield held.shift()!.item;
        const draw = this.sourceRandom();
        const delay =
          draw < this.spec.late ? LATE_MS : draw < this.spec.late + this.spec.reorder ? REORDER_MS : undefined;
        if (delay !== undefined) {
          if (delay === LATE_MS) this.stats.delayed_late++;
          else this.stats.delayed_reorder++;
          const releaseMs = clock + delay;
          const at = held.findIndex((h) => h.releaseMs > releaseMs);
          // Held past the next record, so a copy: the fleet simulator hands every reading out in one
          // reused object over one reused buffer (simulateFleetBytes), valid until the next is read.
          const delayed: SourceEntry = {
            ...record,
            data: typeof record.data === 'string' ? record.data : record.data.slice(),
            arrivalMs: releaseMs,
          };
          held.splice(at < 0 ? held.length : at, 0, { releaseMs, item: delayed });
          continue;
        }
        yield item;
        if (this.sourceRandom() < this.spec.duplicates) {
          this.stats.duplicates_sent++;
          yield item;
        }
        continue;
      }
      yield item;
    }
    for (const { item } of held) yield item;
  }
}
