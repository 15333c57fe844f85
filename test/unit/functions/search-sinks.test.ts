import { Logger } from '@aws-lambda-powertools/logger';
import { DescribeDomainCommand, OpenSearchClient } from '@aws-sdk/client-opensearch';
import { mockClient } from 'aws-sdk-client-mock';
import { AwsClients } from '#functions/shared/clients.js';
import { readConfig } from '#functions/shared/config.js';
import { ingestSinksFromConfig } from '#functions/shared/sinks.js';
import type { TelemetryEvent } from '#src/telemetry/event.js';

const opensearch = mockClient(OpenSearchClient);
const realFetch = globalThis.fetch;

describe('Function: ingestSinksFromConfig() with FLEETSTREAM_SEARCH_DOMAIN', () => {
  beforeEach(() => {
    opensearch.reset();
    process.env.AWS_ACCESS_KEY_ID = 'AKIDEXAMPLE';
    process.env.AWS_SECRET_ACCESS_KEY = 'secret';
  });
  afterEach(() => {
    globalThis.fetch = realFetch;
    delete process.env.AWS_ACCESS_KEY_ID;
    delete process.env.AWS_SECRET_ACCESS_KEY;
  });

  it('looks the endpoint up once, then indexes events with signed _bulk requests, _id the event id', async () => {
    // Prepare
    opensearch
      .on(DescribeDomainCommand)
      .resolves({ DomainStatus: { Endpoint: 'search-fleetstream-dev-abc.eu-west-1.es.amazonaws.com' } as never });
    const requests: { url: string; body: string; authorization: string }[] = [];
    globalThis.fetch = (async (url: string, init: { body: string; headers: Record<string, string> }) => {
      requests.push({ url, body: init.body, authorization: init.headers.authorization ?? '' });
      return new Response(JSON.stringify({ errors: false }), { status: 200 });
    }) as unknown as typeof fetch;
    const config = readConfig({
      FLEETSTREAM_SEARCH_DOMAIN: 'fleetstream-dev',
      FLEETSTREAM_LOCAL_OUT: '/tmp/fleetstream-test-sinks',
    });
    const sinks = ingestSinksFromConfig(config, new Logger({ logLevel: 'SILENT' }), new AwsClients());
    const event = (id: string): TelemetryEvent =>
      ({
        type: 'car_sensor',
        event_id: id,
        ts: Date.UTC(2026, 10, 24, 8),
        car_id: 1452650,
        speed: 50,
        rpm: 2000,
        gear: 3,
      }) as TelemetryEvent;

    // Act
    await sinks.search.write([event('e1')]);
    await sinks.search.write([event('e2')]);

    // Assess
    expect(opensearch.commandCalls(DescribeDomainCommand)).toHaveLength(1);
    expect(requests).toHaveLength(2);
    expect(requests[0]!.url).toMatch(/^https:\/\/search-fleetstream-dev-abc\.eu-west-1\.es\.amazonaws\.com\/_bulk\?/);
    expect(requests[0]!.body.split('\n')[0]).toBe('{"index":{"_index":"fleetstream-events-2026-11-24","_id":"e1"}}');
    expect(requests[0]!.authorization).toMatch(/Credential=AKIDEXAMPLE\/\d{8}\/eu-west-1\/es\/aws4_request/);
    expect(sinks.alerts).toHaveLength(2);
  });
});
