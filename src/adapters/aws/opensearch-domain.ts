import { DescribeDomainCommand, type OpenSearchClient } from '@aws-sdk/client-opensearch';

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
