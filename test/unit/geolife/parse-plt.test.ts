import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { parsePlt } from '#src/geolife/parse-plt.js';

const trajectory = (user: string, file: string) =>
  readFileSync(join('test', 'fixtures', 'geolife', 'Data', user, 'Trajectory', file), 'utf8');
const ids = { userId: '000', trajectoryId: 't', source: 'Data/000/Trajectory/t.plt' };
const HEADER = 'Geolife trajectory\nWGS 84\nAltitude is in Feet\nReserved 3\n0,2,255,My Track,0,0,2,8421376\n0\n';

describe('Function: parsePlt()', () => {
  it('reads an LF file: skips the 6 header lines, converts the timestamp, maps -777 to null', () => {
    // Act
    const lines = [...parsePlt(trajectory('000', '20081023025304.plt'), { ...ids, trajectoryId: '20081023025304' })];

    // Assess
    expect(lines).toHaveLength(6);
    expect(lines.every((line) => line.ok)).toBe(true);
    expect(lines[0]).toEqual({
      ok: true,
      line: 7,
      point: {
        type: 'trajectory_point',
        event_id: 'geolife-000-20081023025304-7',
        ts: '2008-10-23T02:53:04.000Z',
        user_id: '000',
        trajectory_id: '20081023025304',
        location: { lat: 39.984702, lon: 116.318417 },
        altitude_ft: 492,
      },
    });
    expect(lines[2]).toMatchObject({ ok: true, point: { altitude_ft: null } });
  });

  it('reads a CRLF file and names each malformed line with its rule', () => {
    // Act
    const lines = [...parsePlt(trajectory('000', '20081024020959.plt'), ids)];

    // Assess
    expect(lines.filter((line) => line.ok)).toHaveLength(4);
    expect(lines.filter((line) => !line.ok).map((line) => [line.line, !line.ok && line.reason])).toEqual([
      [9, 'geolife:not_a_number'],
      [11, 'geolife:column_count'],
      [13, 'geolife:timestamp_mismatch'],
    ]);
    expect(lines[0]).toMatchObject({ ok: true, point: { altitude_ft: null, ts: '2008-10-24T02:09:59.000Z' } });
  });

  it('agrees with the day-fraction column to the second', () => {
    const [line] = [...parsePlt(`${HEADER}39.9,116.3,0,10,39744.5,2008-10-23,12:00:00\n`, ids)];
    expect(line).toMatchObject({ ok: true, point: { ts: '2008-10-23T12:00:00.000Z' } });
  });

  it('keeps a malformed line whole in its reject, however long', () => {
    // Prepare
    const long = `39.9,116.3,0,10,39744.5,2008-10-23,12:00:00,${'x'.repeat(1000)}`;

    // Act
    const [line] = [...parsePlt(`${HEADER}${long}\n`, ids)];

    // Assess
    expect(line).toEqual({ ok: false, line: 7, reason: 'geolife:column_count', raw: long });
  });

  it('reports a file with fewer than 6 header lines', () => {
    expect([...parsePlt('Geolife trajectory\nWGS 84\n', ids)]).toEqual([
      expect.objectContaining({ ok: false, reason: 'geolife:header' }),
    ]);
  });

  it('round-trips any well-formed line', () => {
    fc.assert(
      fc.property(
        fc.double({ min: -90, max: 90, noNaN: true }).map((v) => v + 0), // -0 prints as 0
        fc.double({ min: -180, max: 180, noNaN: true }).map((v) => v + 0),
        fc.integer({ min: -1000, max: 40000 }),
        fc.integer({ min: Date.UTC(2007, 0, 1) / 1000, max: Date.UTC(2012, 11, 31) / 1000 }),
        (lat, lon, altitude, seconds) => {
          const date = new Date(seconds * 1000).toISOString();
          const days = seconds / 86400 + 25569;
          const text = `${HEADER}${lat},${lon},0,${altitude},${days},${date.slice(0, 10)},${date.slice(11, 19)}\r\n`;
          const [line] = [...parsePlt(text, ids)];
          expect(line).toMatchObject({
            ok: true,
            point: { location: { lat, lon }, ts: date, altitude_ft: altitude === -777 ? null : altitude },
          });
        },
      ),
    );
  });

  it('never throws on garbage lines and gives each a reason', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (garbage) => {
        const lines = [...parsePlt(`${HEADER}${garbage.replace(/[\r\n]/g, ' ')}x\n`, ids)];
        // One data line whose time field ends in "x": never a point.
        expect(lines).toHaveLength(1);
        for (const line of lines) expect(line.ok ? 'accepted' : line.reason).toMatch(/^geolife:/);
      }),
    );
  });
});
