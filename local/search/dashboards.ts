import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { INDEX_FAMILIES, indexTemplate, retentionPolicy } from '#src/search/index-templates.js';
import { type SearchAuth, searchFetch } from './search-auth.js';

/** One OpenSearch Dashboards saved object as `dashboards/fleetstream.ndjson` holds it. */
export interface SavedObject {
  type: string;
  id: string;
  attributes: Record<string, unknown>;
  references: { name: string; type: string; id: string }[];
}

/** The saved objects of `dashboards/fleetstream.ndjson`: index patterns, visualizations, the dashboard. */
export function readSavedObjects(repoRoot: string): SavedObject[] {
  return readFileSync(join(repoRoot, 'dashboards', 'fleetstream.ndjson'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as SavedObject);
}

/**
 * The fields a visualization reads, with the index pattern they must exist in: every aggregation's
 * `field` and every `field:` of its KQL query.
 */
export function fieldsOfVisualization(object: SavedObject): { indexPattern: string; fields: string[] } {
  const visState = JSON.parse(String(object.attributes.visState)) as { aggs: { params: { field?: string } }[] };
  const meta = object.attributes.kibanaSavedObjectMeta as { searchSourceJSON: string };
  const search = JSON.parse(meta.searchSourceJSON) as { query: { query: string } };
  const fields = new Set<string>();
  for (const agg of visState.aggs) if (agg.params.field) fields.add(agg.params.field);
  for (const match of search.query.query.matchAll(/([a-z_]+)\s*:/g)) fields.add(match[1]!);
  const indexPattern = object.references.find((r) => r.type === 'index-pattern')?.id ?? '';
  return { indexPattern, fields: [...fields] };
}

/** Options of setUpSearch. */
export interface SearchSetupOptions {
  opensearchUrl?: string;
  dashboardsUrl?: string;
  retentionDays: number;
  repoRoot: string;
  /** None for a local node, basic auth, or SigV4 for a domain whose master user is an IAM role. */
  auth: SearchAuth;
  log: (line: string) => void;
}

const JSON_HEADERS = { 'content-type': 'application/json' };

/**
 * Puts the index templates (from `schemas/`) and the retention policies into OpenSearch, switches
 * audit logging on, and imports the saved objects into OpenSearch Dashboards (overwriting earlier
 * versions). A node without the Index State Management or security plugin (a local one) gets the
 * templates and a note, not a failure.
 */
export async function setUpSearch(options: SearchSetupOptions): Promise<void> {
  const call = (url: string, method: string, body?: unknown) =>
    searchFetch(url, { method, headers: JSON_HEADERS, body: JSON.stringify(body) }, options.auth);
  if (options.opensearchUrl) {
    const base = options.opensearchUrl.replace(/\/$/, '');
    for (const family of Object.values(INDEX_FAMILIES)) {
      const template = await call(`${base}/_index_template/${family.prefix}`, 'PUT', indexTemplate(family));
      if (!template.ok)
        throw new Error(`index template ${family.prefix}: HTTP ${template.status} ${await template.text()}`);
      options.log(`index template ${family.prefix}: put`);
      const policy = await call(
        `${base}/_plugins/_ism/policies/${family.prefix}-retention`,
        'PUT',
        retentionPolicy(family, options.retentionDays),
      );
      const answer = await policy.text();
      if (policy.ok) options.log(`retention policy ${family.prefix}-retention: ${options.retentionDays} days`);
      else if (policy.status === 409) options.log(`retention policy ${family.prefix}-retention: already there`);
      else if (/no handler found|invalid_index_name_exception/.test(answer) || policy.status === 400)
        options.log(`retention policy ${family.prefix}-retention: skipped, this node has no ISM plugin`);
      else throw new Error(`retention policy ${family.prefix}-retention: HTTP ${policy.status} ${answer}`);
    }
    // The domain publishes audit logs to CloudWatch only once audit logging is on inside it.
    // https://docs.aws.amazon.com/opensearch-service/latest/developerguide/audit-logs.html
    const audit = await call(`${base}/_plugins/_security/api/audit`, 'PATCH', [
      { op: 'add', path: '/config/enabled', value: true },
    ]);
    const auditAnswer = await audit.text();
    if (audit.ok) options.log('audit logging: on');
    else if (audit.status === 400 || audit.status === 404 || /no handler found/.test(auditAnswer))
      options.log('audit logging: skipped, this node has no security plugin');
    else throw new Error(`audit logging: HTTP ${audit.status} ${auditAnswer}`);
  }
  if (options.dashboardsUrl) {
    const form = new FormData();
    const ndjson = readFileSync(join(options.repoRoot, 'dashboards', 'fleetstream.ndjson'));
    form.append('file', new Blob([ndjson], { type: 'application/ndjson' }), 'fleetstream.ndjson');
    // The multipart body as bytes, so that SigV4 can sign exactly what is sent.
    const encoded = new Request('http://localhost/', { method: 'POST', body: form });
    const response = await searchFetch(
      `${options.dashboardsUrl.replace(/\/$/, '')}/api/saved_objects/_import?overwrite=true`,
      {
        method: 'POST',
        headers: { 'osd-xsrf': 'true', 'content-type': encoded.headers.get('content-type')! },
        body: new Uint8Array(await encoded.arrayBuffer()),
      },
      options.auth,
    );
    const answer = (await response.json()) as { success?: boolean; successCount?: number; errors?: unknown[] };
    if (!response.ok || !answer.success)
      throw new Error(`saved objects import: HTTP ${response.status} ${JSON.stringify(answer.errors ?? answer)}`);
    options.log(`saved objects: ${answer.successCount} imported`);
  }
}
