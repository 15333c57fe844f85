import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A MiniStack process of a test's own, on a free loopback port. */
export interface MiniStack {
  endpoint: string;
  port: number;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/**
 * Starts MiniStack (installed by scripts/ensure-python-deps.sh) with only `services` enabled, its
 * state in a temporary folder, bound to 127.0.0.1, and waits for its health endpoint. `stop` kills
 * it and removes the folder. A start that fails throws with the tail of the emulator's log.
 */
export async function startMiniStack(services: string[], timeoutMs = 30_000): Promise<MiniStack> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'fleetstream-ministack-'));
  const logPath = join(dir, 'ministack.log');
  const log = openSync(logPath, 'a');
  const child: ChildProcess = spawn('python3', ['-m', 'ministack'], {
    env: {
      ...process.env,
      GATEWAY_PORT: String(port),
      BIND_HOST: '127.0.0.1',
      SERVICES: services.join(','),
      IOT_MTLS_ENABLED: '0',
      STATE_DIR: join(dir, 'state'),
      S3_DATA_DIR: join(dir, 's3'),
    },
    stdio: ['ignore', log, log],
    detached: true,
  });
  const endpoint = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode === null && child.pid) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      process.kill(-child.pid, 'SIGTERM');
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5000).unref())]);
      if (child.exitCode === null) process.kill(-child.pid, 'SIGKILL');
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const response = await fetch(`${endpoint}/_localstack/health`);
      if (response.ok) return { endpoint, port, stop };
    } catch {
      // not listening yet
    }
    if (child.exitCode !== null || Date.now() > deadline) {
      const tail = readFileSync(logPath, 'utf8').split('\n').slice(-20).join('\n');
      await stop();
      throw new Error(`MiniStack did not become healthy on ${endpoint}:\n${tail}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
