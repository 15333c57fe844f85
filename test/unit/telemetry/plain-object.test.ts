import { plainConstructor } from '#src/telemetry/plain-object.js';

describe('Function: plainConstructor()', () => {
  it('makes plain objects: Object.prototype, the fields in the order init assigns them', () => {
    // Prepare
    const Point = plainConstructor(function (this: { lat: number; lon: number }, lat: number, lon: number) {
      this.lat = lat;
      this.lon = lon;
    });

    // Act
    const point = new Point(51.5, -0.1);

    // Assess
    expect(Object.getPrototypeOf(point)).toBe(Object.prototype);
    expect(Object.keys(point)).toEqual(['lat', 'lon']);
    expect(JSON.stringify(point)).toBe('{"lat":51.5,"lon":-0.1}');
  });
});
