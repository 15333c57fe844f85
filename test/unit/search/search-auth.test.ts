import { createHash, createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { DescribeDomainCommand, OpenSearchClient } from '@aws-sdk/client-opensearch';
import { mockClient } from 'aws-sdk-client-mock';
import { setUpSearch } from '#local/search/dashboards.js';
import {
  chooseSearchAuth,
  regionOfEndpoint,
  resolveDomainEndpoint,
  type SearchAuth,
  searchFetch,
} from '#local/search/search-auth.js';

const CREDENTIALS = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' };

/** One request as the server received it. */
interface Received {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: Buffer;
}

const sha256 = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');
const hmac = (key: string | Buffer, data: string) => createHmac('sha256', key).update(data).digest();

/**
 * Recomputes a request's SigV4 signature the way AWS documents it (canonical request, string to
 * sign, derived key), independently of the signer under test, from what arrived on the wire.
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-create-signed-request.html
 */
function expectedSignature(request: Received, secretAccessKey: string): { signature: string; scope: string } {
  const authorization = String(request.headers.authorization);
  const [, scope, signedHeaders] = /Credential=[^/]+\/([^,]+), SignedHeaders=([^,]+), Signature=/.exec(authorization)!;
  const [date, region, service] = scope!.split('/');
  const url = new URL(request.url, 'http://placeholder');
  const query = [...url.searchParams]
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`)
    .sort()
    .join('&');
  const headerNames = signedHeaders!.split(';');
  const canonicalHeaders = headerNames.map((name) => `${name}:${String(request.headers[name]).trim()}\n`).join('');
  const canonicalRequest = [
    request.method,
    url.pathname,
    query,
    canonicalHeaders,
    signedHeaders,
    sha256(request.body),
  ].join('\n');
  const stringToSign = ['AWS4-HMAC-SHA256', request.headers['x-amz-date'], scope, sha256(canonicalRequest)].join('\n');
  const key = hmac(hmac(hmac(hmac(`AWS4${secretAccessKey}`, date!), region!), service!), 'aws4_request');
  return { signature: createHmac('sha256', key).update(stringToSign).digest('hex'), scope: scope! };
}

describe('Function: searchFetch()', () => {
  let server: Server;
  let base: string;
  const received: Received[] = [];

  beforeAll(async () => {
    // A stand-in for the domain endpoint: it records every request and answers like OpenSearch does.
    server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        received.push({
          method: request.method!,
          url: request.url!,
          headers: request.headers,
          body: Buffer.concat(chunks),
        });
        response.setHeader('content-type', 'application/json');
        response.end(
          request.url!.includes('saved_objects') ? '{"success":true,"successCount":9}' : '{"acknowledged":true}',
        );
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
  beforeEach(() => {
    received.length = 0;
  });

  it('signs every request of a dashboards import for the es service, over the exact body bytes', async () => {
    // Prepare
    const auth: SearchAuth = { kind: 'sigv4', region: 'eu-west-1', credentials: CREDENTIALS };

    // Act
    await setUpSearch({
      opensearchUrl: base,
      dashboardsUrl: `${base}/_dashboards`,
      retentionDays: 30,
      repoRoot: process.cwd(),
      auth,
      log: () => {},
    });

    // Assess: templates, policies, audit logging and the multipart saved-objects import, all signed
    expect(received.map((r) => `${r.method} ${r.url}`)).toEqual(
      expect.arrayContaining([
        'PUT /_index_template/fleetstream-events',
        'PATCH /_plugins/_security/api/audit',
        'POST /_dashboards/api/saved_objects/_import?overwrite=true',
      ]),
    );
    for (const request of received) {
      const { signature, scope } = expectedSignature(request, CREDENTIALS.secretAccessKey);
      expect(scope).toMatch(/^\d{8}\/eu-west-1\/es\/aws4_request$/);
      expect(request.headers.authorization).toContain(`Signature=${signature}`);
      expect(request.headers['x-amz-content-sha256']).toBe(sha256(request.body));
      expect(request.headers.authorization).toMatch(/SignedHeaders=[^,]*host/);
    }
    const upload = received.find((r) => r.url.includes('saved_objects'))!;
    expect(upload.body.toString()).toContain(readFileSync(join('dashboards', 'fleetstream.ndjson'), 'utf8'));
  });

  it('sends basic auth when given a user and password, and nothing without', async () => {
    // Act
    await searchFetch(`${base}/`, { method: 'GET' }, { kind: 'basic', userPassword: 'admin:secret' });
    await searchFetch(`${base}/`, { method: 'GET' }, { kind: 'none' });

    // Assess
    expect(received.map((r) => r.headers.authorization)).toEqual([
      `Basic ${Buffer.from('admin:secret').toString('base64')}`,
      undefined,
    ]);
  });
});

describe('Function: chooseSearchAuth()', () => {
  const defaultRegion = async () => 'us-east-2';

  it.each([
    ['a local node', { sign: false, url: 'http://127.0.0.1:9200' }, { kind: 'none' }],
    [
      'a domain endpoint, signed in its own region',
      { sign: false, url: 'https://search-fleetstream-dev-abc123.eu-west-1.es.amazonaws.com' },
      { kind: 'sigv4', region: 'eu-west-1' },
    ],
    [
      '--sigv4 on another host, in the SDK region',
      { sign: true, url: 'https://search.example.com' },
      { kind: 'sigv4', region: 'us-east-2' },
    ],
    [
      '--region over the endpoint',
      { sign: true, url: 'https://search-x.eu-west-1.es.amazonaws.com', region: 'eu-central-1' },
      { kind: 'sigv4', region: 'eu-central-1' },
    ],
    ['basic auth over everything', { sign: true, basicAuth: 'u:p' }, { kind: 'basic', userPassword: 'u:p' }],
  ])('chooses for %s', async (_case, choice, expected) => {
    // Act
    const auth = await chooseSearchAuth({ defaultRegion, credentials: CREDENTIALS, ...choice });

    // Assess
    expect(auth).toMatchObject(expected);
  });

  it('reads no region from a host that is not a domain endpoint', () => {
    expect(regionOfEndpoint('https://search.example.com')).toBeUndefined();
    expect(regionOfEndpoint('https://vpc-fleetstream-prod-xyz.ap-southeast-2.es.amazonaws.com')).toBe('ap-southeast-2');
  });
});

describe('Function: resolveDomainEndpoint()', () => {
  const opensearch = mockClient(OpenSearchClient);
  afterEach(() => opensearch.reset());

  it('takes the public endpoint from DescribeDomain, with Dashboards under /_dashboards', async () => {
    // Prepare
    opensearch.on(DescribeDomainCommand, { DomainName: 'fleetstream-dev' }).resolves({
      DomainStatus: {
        DomainName: 'fleetstream-dev',
        DomainId: '123456789012/fleetstream-dev',
        ARN: 'arn:aws:es:eu-west-1:123456789012:domain/fleetstream-dev',
        ClusterConfig: {},
        Endpoint: 'search-fleetstream-dev-abc123.eu-west-1.es.amazonaws.com',
      },
    });

    // Act
    const endpoints = await resolveDomainEndpoint(new OpenSearchClient({ region: 'eu-west-1' }), 'fleetstream-dev');

    // Assess
    expect(endpoints).toEqual({
      opensearchUrl: 'https://search-fleetstream-dev-abc123.eu-west-1.es.amazonaws.com',
      dashboardsUrl: 'https://search-fleetstream-dev-abc123.eu-west-1.es.amazonaws.com/_dashboards',
    });
  });

  it('takes the VPC endpoint of a domain in a VPC, and fails while a domain has no endpoint yet', async () => {
    // Prepare
    const status = { DomainId: 'x', ARN: 'arn', ClusterConfig: {} };
    opensearch
      .on(DescribeDomainCommand, { DomainName: 'in-vpc' })
      .resolves({
        DomainStatus: {
          ...status,
          DomainName: 'in-vpc',
          Endpoints: { vpc: 'vpc-in-vpc-x.eu-west-1.es.amazonaws.com' },
        },
      })
      .on(DescribeDomainCommand, { DomainName: 'creating' })
      .resolves({ DomainStatus: { ...status, DomainName: 'creating', Processing: true } });
    const client = new OpenSearchClient({ region: 'eu-west-1' });

    // Act, Assess
    expect((await resolveDomainEndpoint(client, 'in-vpc')).opensearchUrl).toBe(
      'https://vpc-in-vpc-x.eu-west-1.es.amazonaws.com',
    );
    await expect(resolveDomainEndpoint(client, 'creating')).rejects.toThrow('domain creating has no endpoint yet');
  });
});
