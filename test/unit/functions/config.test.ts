import { ConfigError, readConfig } from '#functions/shared/config.js';

describe('Function: readConfig()', () => {
  it('uses the documented defaults when nothing is set', () => {
    const config = readConfig({});
    expect(config.rules).toEqual({ speedingKmh: 120, highRpm: 6000, poorAqi: 150, gpsJumpKmh: 250 });
    expect(config).toMatchObject({ windowSeconds: 900, allowedLatenessSeconds: 120, lakeStreamPrefix: undefined });
  });

  it('reads thresholds and destinations from FLEETSTREAM_* variables', () => {
    const config = readConfig({
      FLEETSTREAM_SPEEDING_KMH: '100',
      FLEETSTREAM_POOR_AQI: '200',
      FLEETSTREAM_ALERTS_TOPIC_ARN: 'arn:aws:sns:eu-west-1:123456789012:alerts',
    });
    expect(config.rules.speedingKmh).toBe(100);
    expect(config.rules.poorAqi).toBe(200);
    expect(config.alertsTopicArn).toBe('arn:aws:sns:eu-west-1:123456789012:alerts');
  });

  it.each([
    ['FLEETSTREAM_HIGH_RPM', 'lots'],
    ['FLEETSTREAM_WINDOW_SECONDS', '0'],
    ['FLEETSTREAM_LOG_LEVEL', 'LOUD'],
  ])('fails the cold start naming %s when it is "%s"', (name, value) => {
    expect(() => readConfig({ [name]: value })).toThrow(ConfigError);
    expect(() => readConfig({ [name]: value })).toThrow(name);
  });
});
