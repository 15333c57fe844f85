import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { estimateFor, formatEstimate, parseCostArgs } from '#local/cost/cost-command.js';
import { UsageError } from '#local/usage-error.js';

const root = join(import.meta.dirname, '../../..');
const stages = ['dev', 'prod', 'local'];

/** Runs the real CLI from source (tsx), as a user would. */
function fleetstream(...args: string[]) {
  return spawnSync(process.execPath, ['--import', 'tsx', join(root, 'local/cli.ts'), ...args], {
    cwd: root,
    encoding: 'utf8',
  });
}

describe('Command: fleetstream cost', () => {
  it.each([
    [[], 'needs --rate'],
    [['--rate', 'abc'], '--rate must be a positive number'],
    [['--rate=-5'], '--rate must be a positive number'],
    [['--rate', '100', '--stage', 'qa'], '--stage must be one of dev, prod, local'],
    [['--rate', '100', '--alert-ratio', '2'], '--alert-ratio must be a ratio between 0 and 1'],
    [['--rate', '100', '--events-per-record', '1.5'], '--events-per-record must be a whole number'],
    [['--rate', '100', '--lake-months', '0'], '--lake-months must be a number of months ≥ 1'],
    [['--rate', '100', '--as-of', 'June'], '--as-of must be a date'],
    [['--rate', '100', '--query-window-days', '0.5'], '--query-window-days must be a whole number of days ≥ 1'],
    [['--rate', '100', 'extra'], 'no positional arguments'],
  ])('rejects %j naming the mistake', (argv, message) => {
    // Act
    const parse = () => parseCostArgs(argv, stages);

    // Assess
    expect(parse).toThrow(UsageError);
    expect(parse).toThrow(message);
  });

  it('takes the defaults: stage dev, 250-byte events, 2 % alerts, 24 runs a day, a 12-month lake', () => {
    // Act
    const options = parseCostArgs(['--rate', '1000'], stages);

    // Assess
    expect(options).toEqual({
      rate: 1000,
      stage: 'dev',
      eventBytes: 250,
      alertRatio: 0.02,
      eventsPerRecord: 1,
      queryRunsPerDay: 24,
      queryWindowDays: 1,
      lakeMonths: 12,
      asOf: undefined,
      json: false,
    });
  });

  it('prices a run of each named query as its window: --query-window-days 7 lists 7 × the hour partitions', () => {
    // Act
    const day = estimateFor(root, parseCostArgs(['--rate', '1000'], stages)).estimate;
    const week = estimateFor(root, parseCostArgs(['--rate', '1000', '--query-window-days', '7'], stages)).estimate;
    const lists = (estimate: typeof day) =>
      estimate.services.find((s) => s.service === 'S3')!.lines.find((l) => l.item.startsWith('LISTs'))!.quantity;

    // Assess: 6 queries read 7 tables; 24 runs a day × 30.4167 days; 24 hour partitions a table a day
    expect(lists(day)).toBeCloseTo((7 * 24 * 24 * (730 / 24)) / 1000, 9);
    expect(lists(week)).toBeCloseTo(7 * lists(day), 9);
    expect(week.queriesUsd).toBeGreaterThan(day.queriesUsd);
  });

  it('prints every service, the total and the dominant one for the repository’s dev stage', () => {
    // Prepare
    const options = parseCostArgs(['--rate', '1000', '--stage', 'dev'], stages);

    // Act
    const { estimate, book } = estimateFor(root, options);
    const text = formatEstimate(estimate, book);

    // Assess
    expect(estimate.services.map((s) => s.service)).toHaveLength(10);
    expect(estimate.totalUsd).toBeCloseTo(
      estimate.services.reduce((sum, s) => sum + s.usd, 0),
      9,
    );
    for (const service of ['Kinesis', 'Lambda', 'Firehose', 'S3', 'Athena', 'OpenSearch', 'EMR', 'SNS', 'CloudWatch'])
      expect(text).toContain(service);
    expect(text).toMatch(/^total\s+\$[\d,]+\.\d\d/m);
    expect(text).toContain(`dominant: ${estimate.dominant}`);
  });

  it('exits with code 2 and the usage on a bad argument, 0 with the estimate otherwise', () => {
    // Act
    const bad = fleetstream('cost', '--rate', 'fast');
    const good = fleetstream('cost', '--rate', '100', '--stage', 'prod');

    // Assess
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('fleetstream: --rate must be a positive number of events per second, got "fast"');
    expect(bad.stderr).toContain('Usage:');
    expect(bad.stdout).toBe('');
    expect(good.status).toBe(0);
    expect(good.stdout).toContain('stage prod, 100 events/s');
    expect(good.stdout).toContain('dominant:');
  });
});
