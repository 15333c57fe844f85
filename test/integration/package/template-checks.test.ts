import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { type CfnResource, type PackagedStack, packageStack } from '#test/helpers/package-template.js';

const run = promisify(execFile);
const TEMPLATE = 'cloudformation-template-update-stack.json';
// Installed by scripts/ensure-python-deps.sh in a virtualenv of its own.
const CHECKOV = join('.tools', 'checkov', 'bin', 'checkov');

/** Runs cfn-lint (installed by scripts/ensure-python-deps.sh) on a template; resolves to its findings. */
async function cfnLint(template: string): Promise<{ errors: string[]; warnings: string[] }> {
  const lint = 'import sys; from cfnlint.runner import main; sys.exit(main())';
  const output = await run('python3', ['-c', lint, '--format', 'parseable', template], {
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

/** What checkov reports on a template: its counts and the checks that failed or were waived. */
interface CheckovReport {
  summary: { passed: number; failed: number; skipped: number };
  failed: string[];
  skipped: { id: string; resource: string; reason: string }[];
}

/** Runs checkov on a CloudFormation template; a failed check exits non-zero, the JSON report is what counts. */
async function checkov(template: string): Promise<CheckovReport> {
  // --skip-download: no call home for guideline links (CI has no internet), the checks are local.
  const args = ['-f', template, '--framework', 'cloudformation', '--output', 'json', '--skip-download'];
  const stdout = await run(CHECKOV, args, { maxBuffer: 64 * 1024 * 1024 }).then(
    ({ stdout }) => stdout,
    (error: { stdout?: string; stderr?: string }) => {
      if (!error.stdout) throw new Error(`checkov failed: ${error.stderr}`);
      return error.stdout;
    },
  );
  type Check = { check_id: string; check_name: string; resource: string; check_result: { suppress_comment?: string } };
  const report = JSON.parse(stdout) as {
    summary: CheckovReport['summary'];
    results: { failed_checks: Check[]; skipped_checks: Check[] };
  };
  return {
    summary: report.summary,
    failed: report.results.failed_checks.map((c) => `${c.check_id} ${c.resource}: ${c.check_name}`),
    skipped: report.results.skipped_checks.map((c) => ({
      id: c.check_id,
      resource: c.resource,
      reason: c.check_result.suppress_comment ?? '',
    })),
  };
}

/** The checkov waivers the template's resources declare in `Metadata.checkov.skip`. */
function declaredWaivers(resources: Record<string, CfnResource>) {
  return Object.entries(resources).flatMap(([id, resource]) =>
    (resource.Metadata?.checkov?.skip ?? []).map((waiver) => ({
      resource: id,
      id: waiver.id,
      comment: waiver.comment ?? '',
    })),
  );
}

describe.each(['dev', 'prod'])('Command: cfn-lint and checkov on the packaged %s template', (stage) => {
  let stack: PackagedStack;

  beforeAll(async () => {
    stack = await packageStack(stage);
  }, 300_000);

  it('has no cfn-lint errors, and only the known warnings', async () => {
    // Act
    const { errors, warnings } = await cfnLint(join(stack.dir, TEMPLATE));

    // Assess
    expect(errors).toEqual([]);
    // Known warnings only: osls's redundant DependsOn on the roles, and the stream-mode condition
    // that is constant for a given stage.
    for (const warning of warnings) expect(warning).toMatch(/:W(3005|8003):/);
  });

  it('fails no checkov check: every finding is fixed or waived in the template with a one-line reason', async () => {
    // Act
    const report = await checkov(join(stack.dir, TEMPLATE));

    // Assess
    expect(report.summary.passed).toBeGreaterThan(0);
    expect(report.failed).toEqual([]);
    for (const waiver of declaredWaivers(stack.resources)) {
      expect(waiver.comment).toMatch(/^[^\n]{20,300}$/);
      expect(report.skipped).toContainEqual(expect.objectContaining({ id: waiver.id }));
    }
    expect(report.skipped.length).toBe(report.summary.skipped);
  });
});

describe('Command: cfn-lint on the packaged local (emulator) template', () => {
  it('has no cfn-lint errors', async () => {
    // Prepare
    const stack = await packageStack('local');

    // Act
    const { errors, warnings } = await cfnLint(join(stack.dir, TEMPLATE));

    // Assess
    expect(errors).toEqual([]);
    for (const warning of warnings) expect(warning).toMatch(/:W(3005|8003):/);
  }, 300_000);
});
