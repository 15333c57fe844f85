import { PartitionRuns } from '#local/lake/partition-runs.js';

const HOUR = 3_600_000;
const T0 = Date.UTC(2026, 10, 24, 8, 59, 59, 999);

/** The runs PartitionRuns finds in `lines` (joined by newlines), as [partition, text, objects]. */
function runsOf(lines: string[], column = 'ts', trailingNewline = true): [string | undefined, string, number][] {
  const text = lines.join('\n') + (trailingNewline ? '\n' : '');
  const bytes = new TextEncoder().encode(text);
  const runs: [string | undefined, string, number][] = [];
  new PartitionRuns(column).forEach(bytes, (partition, start, end, objects) => {
    runs.push([partition, new TextDecoder().decode(bytes.subarray(start, end)), objects]);
  });
  return runs;
}

describe('Class: PartitionRuns', () => {
  it('given objects of three hours, out of order, gives each run of one partition in order, with its objects', () => {
    // Prepare: the stack's JQ gives dt and hour of ts / 1000 in UTC
    const lines = [
      `{"event_id":"a","type":"car_sensor","ts":${T0},"speed":1}`,
      `{"event_id":"b","type":"car_sensor","ts":${T0 - HOUR},"speed":2}`,
      `{"event_id":"c","type":"car_sensor","ts":${T0 + 1},"speed":3}`,
      `{"event_id":"d","type":"car_sensor","ts":${T0 + 1 + 15 * HOUR},"speed":4}`,
    ];

    // Act
    const runs = runsOf(lines);

    // Assess
    expect(runs).toEqual([
      ['dt=2026-11-24/hour=08', `${lines[0]}\n`, 1],
      ['dt=2026-11-24/hour=07', `${lines[1]}\n`, 1],
      ['dt=2026-11-24/hour=09', `${lines[2]}\n`, 1],
      ['dt=2026-11-25/hour=00', `${lines[3]}\n`, 1],
    ]);
  });

  it('given consecutive objects of one hour and no final newline, gives one run of all of them', () => {
    // Prepare
    const lines = [`{"ts":${T0 - 1},"n":1}`, `{"ts":${T0},"n":2}`, `{"n":3,"ts":${T0 - HOUR + 1}}`];

    // Act
    const runs = runsOf(lines, 'ts', false);

    // Assess
    expect(runs).toEqual([['dt=2026-11-24/hour=08', lines.join('\n'), 3]]);
  });

  it('reads the column at the top level only: not in a nested object, a string or a key that ends with it', () => {
    // Prepare: nested "ts", a string holding "ts": and a key "xts" before the real one
    const lines = [
      `{"location":{"ts":0},"note":"\\"ts\\":0 and \\"ts\\":1","xts":5,"ts":${T0}}`,
      `{"window_start":${T0},"ts":0}`,
    ];

    // Act
    const events = runsOf([lines[0]!]);
    const windows = runsOf([lines[1]!], 'window_start');

    // Assess
    expect(events).toEqual([['dt=2026-11-24/hour=08', `${lines[0]}\n`, 1]]);
    expect(windows).toEqual([['dt=2026-11-24/hour=08', `${lines[1]}\n`, 1]]);
  });

  it('leaves to DuckDB (no partition) what is not a plain integer of ms from 1970 to 9999', () => {
    // Prepare: missing, null, a string, a fraction, an exponent, a leading zero, before 1970, from 10000 on, 16 digits
    const odd = [
      '{"n":1}',
      '{"ts":null}',
      `{"ts":"${T0}"}`,
      `{"ts":${T0}.5}`,
      '{"ts":1e12}',
      '{"ts":01}',
      '{"ts":-1}',
      '{"ts":253402300800000}',
      '{"ts":1234567890123456}',
      `{"ts": ${T0}}`,
    ];

    // Act
    const runs = runsOf(odd);

    // Assess: one run of them all, none given a partition
    expect(runs).toEqual([[undefined, `${odd.join('\n')}\n`, odd.length]]);
  });

  it('gives the first and last hours of the range it partitions as DuckDB formats them', () => {
    // Act
    const runs = runsOf(['{"ts":0}', '{"ts":253402300799999}']);

    // Assess
    expect(runs.map(([partition]) => partition)).toEqual(['dt=1970-01-01/hour=00', 'dt=9999-12-31/hour=23']);
  });
});
