import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildSync } from 'esbuild';

/** The repository's root, for a probe's imports. */
export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '../..');

/**
 * Runs `source` (TypeScript, imports by absolute path, `globalThis.gc` available, `files` written
 * beside it and read as `new URL(name, import.meta.url)`, `env` added to the process's) in a
 * process that traces V8's pretenuring decisions, and returns each decision to tenure an allocation
 * site, or "maybe" tenure it, as `(created, found, ratio) (…) <before> => <after>`. V8 tenures a
 * site (allocates its later objects in the old generation) once a young collection finds nearly all
 * of its objects alive; per-batch containers and records tenured that way kept each dead batch's
 * events alive until the next full collection (process-batch.ts, local-stream.ts). Bundled with
 * esbuild so the process has one isolate: a TypeScript loader would run in a thread of its own,
 * with decisions of its own.
 *
 * @example expect(pretenuringDecisions(`…; globalThis.gc({ type: 'minor' }); console.log('done')`, 'done')).toEqual([]);
 */
export function pretenuringDecisions(
  source: string,
  finished: string,
  files: Record<string, string> = {},
  env: Record<string, string> = {},
): string[] {
  const dir = mkdtempSync(join(tmpdir(), 'pretenuring-'));
  try {
    const probe = join(dir, 'probe.ts');
    writeFileSync(probe, source);
    for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
    const bundle = join(dir, 'probe.mjs');
    buildSync({
      entryPoints: [probe],
      bundle: true,
      platform: 'node',
      format: 'esm',
      outfile: bundle,
      logLevel: 'silent',
    });
    const run = spawnSync(
      process.execPath,
      ['--expose-gc', '--trace-pretenuring-statistics', '--trace-pretenuring', bundle],
      { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, env: { ...process.env, ...env } },
    );
    if (run.status !== 0) throw new Error(`probe failed: ${run.stderr}`);
    if (!run.stdout.includes(finished)) throw new Error(`probe did not finish: ${run.stdout.slice(-2000)}`);
    // Without the process and site ids (which change from run to run): the counts and the decision.
    return run.stdout
      .split('\n')
      .filter((line) => / => (maybe )?tenure$/.test(line))
      .map((line) => line.replace(/^.*AllocationSite\(0x[0-9a-f]+\): /, ''));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
