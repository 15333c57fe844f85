import { execFile } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import puppeteer, { type Browser } from 'puppeteer-core';

const run = promisify(execFile);

/** Where browser tests save their screenshots (gitignored): `test-artifacts/<suite>/`. */
export function artifactsDir(suite: string): string {
  const dir = join(process.cwd(), 'test-artifacts', suite);
  mkdirSync(dir, { recursive: true });
  return dir;
}

/**
 * Debian's Chromium, installed by scripts/chromium.sh the first time (apt-get; puppeteer's own
 * browser download cannot reach its host), launched headless. As root, Chromium needs --no-sandbox.
 */
export async function launchChromium(): Promise<Browser> {
  const { stdout } = await run('bash', ['scripts/chromium.sh', 'path'], { timeout: 900_000 });
  return puppeteer.launch({
    executablePath: stdout.trim(),
    headless: true,
    args: ['--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu'],
  });
}
