import { Sha256 } from '@aws-crypto/sha256-js';
import { DescribeDomainCommand, type OpenSearchClient } from '@aws-sdk/client-opensearch';
import { SignatureV4 } from '@smithy/signature-v4';

/** Credentials as the SigV4 signer takes them: a value, or a provider such as the default chain. */
type SignerCredentials = ConstructorParameters<typeof SignatureV4>[0]['credentials'];

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
  if (auth.kind === 'sigv4') {
    const target = new URL(url);
    const signer = new SignatureV4({
      service: 'es',
      region: auth.region,
      credentials: auth.credentials,
      sha256: Sha256,
    });
    const signed = await signer.sign({
      method: request.method,
      protocol: target.protocol,
      hostname: target.hostname,
      ...(target.port ? { port: Number(target.port) } : {}),
      path: target.pathname,
      query: Object.fromEntries(target.searchParams),
      headers: { ...headers, host: target.host },
      body: request.body,
    });
    // fetch sets Host itself, to the same value that was signed.
    for (const [name, value] of Object.entries(signed.headers)) if (name !== 'host') headers[name] = value;
  }
  return fetch(url, { method: request.method, headers, ...(request.body === undefined ? {} : { body: request.body }) });
}

/**
 * The region a domain endpoint is in, from its host name (`search-<name>-<id>.<region>.es.amazonaws.com`),
 * or undefined for any other host.
 *
 * @example regionOfEndpoint('https://search-fleetstream-dev-abc.eu-west-1.es.amazonaws.com') // 'eu-west-1'
 */
export function regionOfEndpoint(url: string): string | undefined {
  return /\.([a-z]{2}(?:-[a-z]+)+-\d)\.es\.amazonaws\.com$/.exec(new URL(url).hostname)?.[1];
}

/**
 * The HTTPS endpoints of a domain, from DescribeDomain: its public endpoint, or its VPC endpoint,
 * and OpenSearch Dashboards under `/_dashboards`.
 * https://docs.aws.amazon.com/opensearch-service/latest/APIReference/API_DescribeDomain.html
 *
 * @example const { opensearchUrl, dashboardsUrl } = await resolveDomainEndpoint(new OpenSearchClient({}), 'fleetstream-dev');
 */
export async function resolveDomainEndpoint(
  client: OpenSearchClient,
  domainName: string,
): Promise<{ opensearchUrl: string; dashboardsUrl: string }> {
  const { DomainStatus } = await client.send(new DescribeDomainCommand({ DomainName: domainName }));
  const host = DomainStatus?.Endpoint ?? DomainStatus?.Endpoints?.vpc;
  if (!host)
    throw new Error(`domain ${domainName} has no endpoint yet (still being created?): ${DomainStatus?.Processing}`);
  const opensearchUrl = `https://${host}`;
  return { opensearchUrl, dashboardsUrl: `${opensearchUrl}/_dashboards` };
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
