import type { BulkAnswer, BulkTransport } from './bulk-sink.js';

/** Sends one HTTP request (a plain fetch, or one signed with SigV4 for an OpenSearch Service domain). */
export type HttpRequest = (
  url: string,
  init: { method: string; headers: Record<string, string>; body: string },
) => Promise<Response>;

/** A `_bulk` request to an OpenSearch node or domain failed as a whole (connection, 429, 5xx, …). */
export class BulkRequestError extends Error {
  override readonly name = 'BulkRequestError';
}

/**
 * The `_bulk` transport of a node or domain at `url`: POSTs the body as NDJSON and reads back only
 * what the sink needs (`errors`, and each item's status, index, id and error), so a large batch's
 * answer stays small. A non-2xx answer throws, to be retried.
 *
 * @example createBulkSink({ …, transport: createHttpBulkTransport('http://127.0.0.1:9200', fetch) })
 */
export function createHttpBulkTransport(url: string, request: HttpRequest): BulkTransport {
  const endpoint = `${url.replace(/\/$/, '')}/_bulk?filter_path=errors,items.*.status,items.*._index,items.*._id,items.*.error`;
  return async (body) => {
    let response: Response;
    try {
      response = await request(endpoint, { method: 'POST', headers: { 'content-type': 'application/x-ndjson' }, body });
    } catch (error) {
      const cause = (error as { cause?: Error }).cause;
      throw new BulkRequestError(`${url}: ${(error as Error).message}${cause ? ` (${cause.message})` : ''}`, {
        cause: error,
      });
    }
    const text = await response.text();
    if (!response.ok) throw new BulkRequestError(`${url}: HTTP ${response.status} ${text.slice(0, 300)}`);
    return JSON.parse(text) as BulkAnswer;
  };
}
