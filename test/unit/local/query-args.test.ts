import { parseQueryArgs } from '#local/query-args.js';
import { UsageError } from '#local/usage-error.js';

describe('Function: parseQueryArgs()', () => {
  it('takes a named query’s window from --from and --to', () => {
    // Act
    const options = parseQueryArgs(['--name', 'top_speeders', '--from', '2026-11-24', '--to', '2026-11-25']);

    // Assess
    expect(options.name).toBe('top_speeders');
    expect(options.window).toEqual({ from: '2026-11-24', to: '2026-11-25' });
  });

  it('leaves the bounds not given to the lake’s own range, and raw SQL as it is', () => {
    // Act
    const named = parseQueryArgs(['--name', 'top_speeders', '--to', '2026-11-25']);
    const raw = parseQueryArgs(['SELECT', 'count(*)', 'FROM', 'car_sensor']);

    // Assess
    expect(named.window).toEqual({ to: '2026-11-25' });
    expect(raw).toMatchObject({ name: undefined, sql: 'SELECT count(*) FROM car_sensor', window: {} });
  });

  it.each([
    [['--name', 'q', '--from', '2026-11-31'], /--from must be a day YYYY-MM-DD, got "2026-11-31"/],
    [['--name', 'q', '--to', 'yesterday'], /--to must be a day/],
    [['--name', 'q', '--from', '2026-11-25', '--to', '2026-11-24'], /--from 2026-11-25 is after --to 2026-11-24/],
    [['SELECT 1', '--from', '2026-11-24'], /--from is the window of a named query/],
    [['--name', 'q', 'SELECT 1'], /not both/],
    [[], /give SQL or --name/],
    [['--name', 'q', '--format', 'csv'], /--format must be table or json/],
  ])('refuses %j with a usage error', (argv, message) => {
    // Act / Assess
    expect(() => parseQueryArgs(argv)).toThrow(UsageError);
    expect(() => parseQueryArgs(argv)).toThrow(message);
  });
});
