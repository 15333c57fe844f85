import { regionOfEndpoint } from '#src/adapters/aws/opensearch-domain.js';
import { createSignedFetch, type SignerCredentials } from '#src/adapters/aws/signed-fetch.js';

export { regionOfEndpoint, resolveDomainEndpoint } from '#src/adapters/aws/opensearch-domain.js';

/**
 * How `fleetstream dashboards import` authenticates: not at all (a local node), with basic auth (a
 * domain with an internal user database) or with SigV4 (a domain whose master user is an IAM role,
 * as this stack deploys it).
 */
export type SearchAuth =
  | { kind: 'none' }
  | { kind: 'basic'; userPassword: string }
  | { kind: 'sigv4'; region: string; credentials: SignerCredentials };

/** A request to OpenSearch or OpenSearch Dashboards; the body is bytes so that it can be signed. */
export interface SearchRequest {
  method: string;
  headers?: Record<string, string>;
  body?: string | Uint8Array;
}

/**
 * Sends a request with the given authentication. SigV4 signs for the service name `es`, the one
 * OpenSearch Service domains (and their Dashboards under /_dashboards) verify, over the exact body
 * bytes (the signer adds x-amz-content-sha256).
 * https://docs.aws.amazon.com/opensearch-service/latest/developerguide/request-signing.html
 *
 * @example await searchFetch('https://search-x.eu-west-1.es.amazonaws.com/_cluster/health', { method: 'GET' }, auth);
 */
export async function searchFetch(url: string, request: SearchRequest, auth: SearchAuth): Promise<Response> {
  const headers: Record<string, string> = { ...request.headers };
  if (auth.kind === 'basic') headers.authorization = `Basic ${Buffer.from(auth.userPassword).toString('base64')}`;
  const init = { method: request.method, headers, ...(request.body === undefined ? {} : { body: request.body }) };
  if (auth.kind === 'sigv4')
    return createSignedFetch({ region: auth.region, credentials: auth.credentials })(url, init);
  return fetch(url, init);
}

/** What chooseSearchAuth decides from. */
export interface SearchAuthChoice {
  /** FLEETSTREAM_OPENSEARCH_BASIC_AUTH (`user:password`): basic auth, whatever the endpoint. */
  basicAuth?: string;
  /** --sigv4, or the endpoint came from --domain: sign. */
  sign: boolean;
  /** The endpoint; a `*.es.amazonaws.com` host is signed too. */
  url?: string;
  /** --region, else the endpoint's region, else the SDK's configured region. */
  region?: string;
  defaultRegion: () => Promise<string>;
  credentials: SignerCredentials;
}

/**
 * Basic auth when a user and password are given, SigV4 for an OpenSearch Service domain (named with
 * --domain, forced with --sigv4, or recognised by its host), no authentication for anything else (a
 * local node).
 *
 * @example const auth = await chooseSearchAuth({ sign: false, url, defaultRegion, credentials: defaultProvider() });
 */
export async function chooseSearchAuth(choice: SearchAuthChoice): Promise<SearchAuth> {
  if (choice.basicAuth) return { kind: 'basic', userPassword: choice.basicAuth };
  const endpointRegion = choice.url ? regionOfEndpoint(choice.url) : undefined;
  if (!choice.sign && !endpointRegion) return { kind: 'none' };
  return {
    kind: 'sigv4',
    region: choice.region ?? endpointRegion ?? (await choice.defaultRegion()),
    credentials: choice.credentials,
  };
}
