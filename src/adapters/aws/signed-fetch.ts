import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';

/** Credentials as the SigV4 signer takes them: a value, or a provider such as the default chain. */
export type SignerCredentials = ConstructorParameters<typeof SignatureV4>[0]['credentials'];

/** A request to sign and send; the body is signed byte for byte. */
export interface SignedRequestInit {
  method: string;
  headers?: Record<string, string>;
  body?: string | Uint8Array;
}

/**
 * A fetch that signs each request with SigV4 for the service name `es`, the one OpenSearch Service
 * domains verify, over the exact body (the signer adds x-amz-content-sha256):
 * https://docs.aws.amazon.com/opensearch-service/latest/developerguide/request-signing.html
 *
 * @example const send = createSignedFetch({ region: 'eu-west-1', credentials: defaultProvider() }); await send(url, { method: 'POST', body });
 */
export function createSignedFetch(options: { region: string; credentials: SignerCredentials; service?: string }) {
  const signer = new SignatureV4({
    service: options.service ?? 'es',
    region: options.region,
    credentials: options.credentials,
    sha256: Sha256,
  });
  return async (url: string, init: SignedRequestInit): Promise<Response> => {
    const target = new URL(url);
    const headers: Record<string, string> = { ...init.headers };
    const signed = await signer.sign({
      method: init.method,
      protocol: target.protocol,
      hostname: target.hostname,
      ...(target.port ? { port: Number(target.port) } : {}),
      path: target.pathname,
      query: Object.fromEntries(target.searchParams),
      headers: { ...headers, host: target.host },
      ...(init.body === undefined ? {} : { body: init.body }),
    });
    // fetch sets Host itself, to the same value that was signed.
    for (const [name, value] of Object.entries(signed.headers)) if (name !== 'host') headers[name] = value;
    return fetch(url, { method: init.method, headers, ...(init.body === undefined ? {} : { body: init.body }) });
  };
}
