import { createFanOutSink, createRoutingSink } from '#src/sinks/routing-sink.js';
import { type Sink, SinkWriteError } from '#src/sinks/sink.js';

type Item = { type: string; id: number };
const recording = (name: string, written: Record<string, number[]>, failAt?: number): Sink<Item> => ({
  name,
  async write(items) {
    const ids = items.map((item) => item.id);
    const stored = failAt === undefined ? ids : ids.slice(0, failAt);
    if (stored.length > 0) written[name] = [...(written[name] ?? []), ...stored];
    if (failAt !== undefined) throw new SinkWriteError('throttled', name, failAt);
  },
});

describe('Function: createRoutingSink()', () => {
  it('given the first key failing after items of a later key in the caller’s order, reports the first item never written', async () => {
    // Prepare: gps (ids 0, 2, 4) stores 0 and 2 and fails on 4; car_sensor (ids 1, 3) is then never written
    const written: Record<string, number[]> = {};
    const sink = createRoutingSink<Item>(
      'lake',
      (item) => item.type,
      (type) => recording(type, written, type === 'gps' ? 2 : undefined),
    );
    const items = [0, 1, 2, 3, 4].map((id) => ({ type: id % 2 === 0 ? 'gps' : 'car_sensor', id }));

    // Act
    const write = sink.write(items);

    // Assess: every item before the reported index was stored
    await expect(write).rejects.toMatchObject({ firstFailedIndex: 1 });
    const stored = new Set(Object.values(written).flat());
    for (const item of items.slice(0, 1)) expect(stored.has(item.id)).toBe(true);
    expect(stored.has(1)).toBe(false);
  });

  it('writes each item to the sink of its key, once per key, in order of first appearance', async () => {
    // Prepare
    const written: Record<string, number[]> = {};
    const sink = createRoutingSink<Item>(
      'lake',
      (item) => item.type,
      (type) => recording(type, written),
    );

    // Act
    await sink.write([
      { type: 'gps', id: 0 },
      { type: 'car_sensor', id: 1 },
      { type: 'gps', id: 2 },
    ]);

    // Assess
    expect(written).toEqual({ gps: [0, 2], car_sensor: [1] });
  });

  it('given a sink that stores part of its items, reports the first unstored item in the caller’s order', async () => {
    // Prepare: the car_sensor sink stores its first item (id 1) and fails on its second (id 3)
    const written: Record<string, number[]> = {};
    const sink = createRoutingSink<Item>(
      'lake',
      (item) => item.type,
      (type) => recording(type, written, type === 'car_sensor' ? 1 : undefined),
    );

    // Act
    const write = sink.write([
      { type: 'gps', id: 0 },
      { type: 'car_sensor', id: 1 },
      { type: 'gps', id: 2 },
      { type: 'car_sensor', id: 3 },
    ]);

    // Assess
    await expect(write).rejects.toThrow(SinkWriteError);
    await write.catch((error: SinkWriteError) => {
      expect(error.firstFailedIndex).toBe(3);
      expect(error.sink).toBe('lake');
      expect(error.message).toContain('car_sensor');
    });
  });
});

describe('Function: createFanOutSink()', () => {
  it('writes every item to each sink in turn, and fails with the first sink that fails', async () => {
    // Prepare
    const written: Record<string, number[]> = {};
    const ok = createFanOutSink<Item>('alerts', [recording('sns', written), recording('lake', written)]);
    const failing = createFanOutSink<Item>('alerts', [recording('sns2', written, 0), recording('lake2', written)]);
    const items = [{ type: 'alert', id: 7 }];

    // Act
    await ok.write(items);

    // Assess
    expect(written).toEqual({ sns: [7], lake: [7] });
    await expect(failing.write(items)).rejects.toThrow(SinkWriteError);
    expect(written.lake2).toBeUndefined();
  });
});
