import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { packageStack } from '#test/helpers/package-template.js';

/** Runs cfn-lint (installed by scripts/ensure-python-deps.sh) on a template; resolves to its findings. */
async function cfnLint(template: string): Promise<{ errors: string[]; warnings: string[] }> {
  const lint = 'import sys; from cfnlint.runner import main; sys.exit(main())';
  const output = await promisify(execFile)('python3', ['-c', lint, '--format', 'parseable', template], {
    maxBuffer: 16 * 1024 * 1024,
  }).then(
    ({ stdout }) => stdout,
    // Non-zero exit codes carry findings (2 errors, 4 warnings, …); the output is what counts.
    (error: { stdout?: string; stderr?: string }) => {
      if (!error.stdout && error.stderr) throw new Error(`cfn-lint failed: ${error.stderr}`);
      return error.stdout ?? '';
    },
  );
  const findings = output.split('\n').filter(Boolean);
  return {
    errors: findings.filter((line) => /:E\d{4}:/.test(line)),
    warnings: findings.filter((line) => /:W\d{4}:/.test(line)),
  };
}

describe('Command: cfn-lint on the packaged templates', () => {
  it.each(['dev', 'prod', 'local'])('finds no errors in the %s stack', async (stage) => {
    // Prepare
    const stack = await packageStack(stage);

    // Act
    const { errors, warnings } = await cfnLint(join(stack.dir, 'cloudformation-template-update-stack.json'));

    // Assess
    expect(errors).toEqual([]);
    // Known warnings only: osls's redundant DependsOn on the roles, and the stream-mode condition
    // that is constant for a given stage.
    for (const warning of warnings) expect(warning).toMatch(/:W(3005|8003):/);
  });
});
