import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

/** A real OpenSearch node started by scripts/opensearch.sh on a port of the tests' own. */
export interface OpenSearchNode {
  url: string;
  stop(): Promise<void>;
  /** One JSON request to the node; throws with the body on a non-2xx answer. */
  call<T = Record<string, unknown>>(method: string, path: string, body?: unknown): Promise<T>;
}

const run = promisify(execFile);

/**
 * Installs (once, into .tools/) and starts a single-node OpenSearch on `port` with its own data
 * folder, and removes fleetstream's indices left by an earlier run. `stop` stops it.
 */
export async function startOpenSearch(port: number): Promise<OpenSearchNode> {
  const env = { ...process.env, OPENSEARCH_PORT: String(port) };
  await run('bash', ['scripts/opensearch.sh', 'start'], { env, timeout: 600_000 });
  const url = `http://127.0.0.1:${port}`;
  const call = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const response = await fetch(`${url}${path}`, {
      method,
      headers: { 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`${method} ${path}: HTTP ${response.status} ${text.slice(0, 500)}`);
    return JSON.parse(text) as T;
  };
  await call('DELETE', '/fleetstream-*?expand_wildcards=all');
  return {
    url,
    call,
    stop: async () => {
      await run('bash', ['scripts/opensearch.sh', 'stop'], { env, timeout: 120_000 });
    },
  };
}
