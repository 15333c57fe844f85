// `npm run bench:ui [-- --events N --runs R]`: how much the live dashboard slows a full-speed run.
// Alternates runs of `fleetstream run --events N` without and with `--ui` (the page open in headless
// Chromium from the first event to the last) and compares medians of two measures:
//   - events/s from report.json (wall clock: what a user sees, but at the mercy of anything else
//     the machine runs at the same time);
//   - CPU seconds: the pipeline process's own during the run (report.json's cpu_seconds: every
//     thread, the dashboard's server included), plus, with the page, Chromium's (all its processes)
//     over the run. Other load hardly moves these, so their ratio bounds the slowdown on an
//     otherwise idle machine.
// Saves bench/results/ui-overhead.json. Linux only (reads /proc for Chromium's CPU time).
import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs, promisify } from 'node:util';
import puppeteer, { type Browser } from 'puppeteer-core';

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({ options: { events: { type: 'string' }, runs: { type: 'string' } } });
const events = Number(values.events ?? 500_000);
const runs = Number(values.runs ?? 5);
const TICKS_PER_SECOND = 100;

/** One measured run. */
interface Run {
  events_per_sec: number;
  wall_seconds: number;
  /** The pipeline process's CPU time (user + system, every thread) during the run (report.json). */
  pipeline_cpu_seconds: number;
  /** Chromium's CPU time (every process) while the run went on, with the page. */
  chromium_cpu_seconds?: number;
  /** With the page: how many times it drew (its first draw and the finished run's included). */
  page_draws?: number;
  load_average: number;
}

function median(numbers: number[]): number {
  const sorted = [...numbers].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/** Runs the CLI in a child, with what it prints on stdout and stderr to wait for. */
function startCli(args: string[]) {
  const child = spawn(process.execPath, [join(repoRoot, 'dist', 'cli.js'), ...args], {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let said = '';
  // Whoever waits for the next output: one listener per stream, however long the wait.
  let heard: () => void = () => undefined;
  const listen = (chunk: Buffer) => {
    said += chunk.toString();
    heard();
  };
  child.stdout.on('data', listen);
  child.stderr.on('data', listen);
  const exited = once(child, 'exit').then(([code]) => code as number | null);
  const failed = exited.then((code) => {
    throw new Error(`fleetstream ${args.join(' ')} exited with ${code}: ${said.slice(-2000)}`);
  });
  failed.catch(() => undefined);
  return {
    child,
    exited,
    async until(pattern: RegExp): Promise<RegExpExecArray> {
      while (!pattern.test(said)) await Promise.race([new Promise<void>((resolve) => (heard = resolve)), failed]);
      return pattern.exec(said)!;
    },
  };
}

/** CPU seconds of a process and all its descendants, from /proc. */
function treeCpuSeconds(root: number): number {
  const stats = new Map<number, { parent: number; ticks: number }>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      stats.set(Number(entry), { parent: Number(fields[1]), ticks: Number(fields[11]) + Number(fields[12]) });
    } catch {
      // The process ended while we read.
    }
  }
  let ticks = 0;
  const tree = new Set([root]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const [pid, { parent }] of stats)
      if (!tree.has(pid) && tree.has(parent)) {
        tree.add(pid);
        grew = true;
      }
  }
  for (const pid of tree) ticks += stats.get(pid)?.ticks ?? 0;
  return ticks / TICKS_PER_SECOND;
}

function readReport(out: string) {
  const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8'));
  if (report.accepted !== events) throw new Error(`run accepted ${report.accepted} of ${events}`);
  return {
    events_per_sec: report.events_per_sec as number,
    wall_seconds: report.wall_seconds as number,
    pipeline_cpu_seconds: report.cpu_seconds as number,
  };
}

async function runWithoutPage(out: string): Promise<Run> {
  const load = loadavg()[0]!;
  const cli = startCli(['run', '--events', String(events), '--out', out]);
  const code = await cli.exited;
  if (code !== 0) throw new Error(`fleetstream run exited with ${code}`);
  return { ...readReport(out), load_average: load };
}

/** `run --ui`: the run starts once the page is open; the page stays open until the run is over. */
async function runWithPage(out: string, browser: Browser): Promise<Run> {
  const load = loadavg()[0]!;
  const cli = startCli(['run', '--events', String(events), '--out', out, '--ui', '--port', '0']);
  try {
    const [, url] = await cli.until(/dashboard: open (http:\/\/127\.0\.0\.1:\d+\/)/);
    const page = await browser.newPage();
    await page.setViewport({ width: 1440, height: 1400 });
    await page.goto(url!);
    // The run starts once the page has loaded, connected and drawn (it tells the server).
    await cli.until(/dashboard: the page is open/);
    const chromiumAtStart = treeCpuSeconds(browser.process()!.pid!);
    await cli.until(/fleetstream run finished/);
    const chromium = treeCpuSeconds(browser.process()!.pid!) - chromiumAtStart;
    // A string: this file is type-checked for Node, where `document` does not exist.
    const draws = Number(await page.evaluate('document.body.dataset.updates ?? 0'));
    await cli.until(/dashboard: the run is over/);
    await page.close();
    return {
      ...readReport(out),
      chromium_cpu_seconds: Math.round(chromium * 100) / 100,
      page_draws: draws,
      load_average: load,
    };
  } finally {
    cli.child.kill('SIGINT');
    await cli.exited;
  }
}

const { stdout: chromium } = await promisify(execFile)('bash', [join(repoRoot, 'scripts', 'chromium.sh'), 'path']);
const browser = await puppeteer.launch({
  executablePath: chromium.trim(),
  headless: true,
  args: ['--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu'],
});
const without: Run[] = [];
const withPage: Run[] = [];
try {
  for (let i = 0; i < runs; i++) {
    for (const variant of ['without', 'with'] as const) {
      const out = mkdtempSync(join(tmpdir(), 'fleetstream-bench-ui-'));
      try {
        process.stderr.write(`run ${i + 1}/${runs} ${variant} the page: ${events.toLocaleString()} fleet events… `);
        const result = variant === 'without' ? await runWithoutPage(out) : await runWithPage(out, browser);
        (variant === 'without' ? without : withPage).push(result);
        process.stderr.write(
          `${result.events_per_sec.toLocaleString()} events/s, pipeline CPU ${result.pipeline_cpu_seconds.toFixed(2)} s${result.chromium_cpu_seconds === undefined ? '' : `, Chromium CPU ${result.chromium_cpu_seconds.toFixed(2)} s, ${result.page_draws} draws`} (load ${result.load_average.toFixed(1)})\n`,
        );
      } finally {
        rmSync(out, { recursive: true, force: true });
      }
    }
  }
} finally {
  await browser.close();
}

const rate = (list: Run[]) => median(list.map((r) => r.events_per_sec));
const cpu = (list: Run[]) => median(list.map((r) => r.pipeline_cpu_seconds));
const chromiumCpu = median(withPage.map((r) => r.chromium_cpu_seconds ?? 0));
const percent = (x: number) => Math.round(x * 1000) / 10;
const results = {
  events,
  runs,
  median_events_per_sec_without_page: rate(without),
  median_events_per_sec_with_page: rate(withPage),
  wall_slowdown_percent: percent(1 - rate(withPage) / rate(without)),
  median_pipeline_cpu_seconds_without_page: cpu(without),
  median_pipeline_cpu_seconds_with_page: cpu(withPage),
  median_chromium_cpu_seconds: chromiumCpu,
  pipeline_cpu_overhead_percent: percent(cpu(withPage) / cpu(without) - 1),
  cpu_overhead_with_chromium_percent: percent((cpu(withPage) + chromiumCpu) / cpu(without) - 1),
  without_page: without,
  with_page: withPage,
  node: process.version,
  measured_at: new Date().toISOString(),
};
for (const [key, value] of Object.entries(results))
  if (!Array.isArray(value)) process.stdout.write(`${key.padEnd(42)}  ${value}\n`);
mkdirSync(join(repoRoot, 'bench', 'results'), { recursive: true });
writeFileSync(join(repoRoot, 'bench', 'results', 'ui-overhead.json'), `${JSON.stringify(results, null, 2)}\n`);
process.stdout.write('saved bench/results/ui-overhead.json\n');
