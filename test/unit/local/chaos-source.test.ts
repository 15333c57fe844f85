import { join } from 'node:path';
import { Chaos, parseChaosSpec } from '#local/chaos/chaos.js';
import { recordOf } from '#local/run/source-entry.js';
import { loadDimensionsFromDir } from '#src/adapters/file/load-dimensions.js';
import { simulateFleetBytes } from '#src/simulate/fleet.js';

const cars = loadDimensionsFromDir(join(process.cwd(), 'data')).cars;
const options = { cars, seed: 4, startMs: Date.UTC(2026, 10, 24, 8), events: 3000 };
const text = (data: string | Uint8Array) => (typeof data === 'string' ? data : Buffer.from(data).toString('utf8'));

describe('Method: Chaos.wrapSource()', () => {
  it('given the fleet simulator, whose readings share one buffer, sends every reading once and intact, late and reordered ones included', async () => {
    // Prepare: the readings as the simulator makes them (each copied at once, as its contract asks)
    const readings = Array.from(simulateFleetBytes(options), (record) => text(record.data));
    const chaos = new Chaos(parseChaosSpec('seed=3,late=0.05,reorder=0.05'));

    // Act: what the source loop would put, each record read as it comes
    const sent: string[] = [];
    for await (const entry of chaos.wrapSource(simulateFleetBytes(options))) sent.push(text(recordOf(entry)!.data));

    // Assess
    expect(chaos.stats.delayed_late + chaos.stats.delayed_reorder).toBeGreaterThan(100);
    expect(sent).not.toEqual(readings);
    expect([...sent].sort()).toEqual([...readings].sort());
  });
});
