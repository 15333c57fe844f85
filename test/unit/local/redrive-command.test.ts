import { redriveCommand } from '#local/redrive/redrive-command.js';
import { UsageError } from '#local/usage-error.js';

const context = { repoRoot: process.cwd(), service: () => 'fleetstream', write: () => undefined };

describe('Function: redriveCommand()', () => {
  it.each([
    ['neither --dlq nor --rejects', [], 'give --dlq or --rejects'],
    ['both', ['--dlq', '--rejects'], 'give --dlq or --rejects'],
    ['--reason with --dlq', ['--dlq', '--reason', 'schema'], '--reason is for --rejects'],
    ['--function with --rejects', ['--rejects', '--function', 'ingest'], '--function is for --dlq'],
    ['an unknown function', ['--dlq', '--function', 'replay'], '--function must be ingest or aggregate'],
    ['--out with --stage', ['--dlq', '--stage', 'dev', '--out', 'x'], '--from and --out are for local runs'],
    ['--region without --stage', ['--dlq', '--region', 'eu-west-1'], '--region and --prefix are for --stage'],
    ['a folder with no run', ['--dlq', '--from', '/nonexistent-fleetstream-run'], 'no report.json under'],
    [
      'an --out that would clear the run',
      ['--dlq', '--from', '/tmp/run', '--out', '/tmp'],
      'would clear the run it redrives',
    ],
  ])('refuses %s with a usage error', async (_, argv, message) => {
    // Act
    const run = redriveCommand(argv, context);

    // Assess
    await expect(run).rejects.toThrow(UsageError);
    await expect(redriveCommand(argv, context)).rejects.toThrow(message);
  });
});
