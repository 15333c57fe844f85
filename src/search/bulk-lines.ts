import { dailyIndex, type IndexFamily } from './index-templates.js';

/**
 * Formats rows as OpenSearch `_bulk` NDJSON: an `index` action naming the row's daily index and its
 * `_id` (the family's id field, so a re-delivery overwrites instead of duplicating), then the
 * document, each line newline-terminated. The action prefix changes once a day, so it is built once
 * per day, not once per row.
 *
 * @example const format = createBulkFormatter(INDEX_FAMILIES.events, serializeEvent); body += format(event);
 */
export function createBulkFormatter<T extends object>(
  family: IndexFamily,
  serialize: (row: T) => string,
): (row: T) => string {
  let cachedDay = Number.NaN;
  let cachedAction = '';
  const actionFor = (epochMs: number) => {
    const day = Math.floor(epochMs / 86_400_000);
    if (day !== cachedDay) {
      cachedDay = day;
      cachedAction = `{"index":{"_index":"${dailyIndex(family, epochMs)}","_id":`;
    }
    return cachedAction;
  };
  return (row) => {
    const fields = row as Record<string, unknown>;
    return `${actionFor(fields[family.timeField] as number)}${JSON.stringify(String(fields[family.idField]))}}}\n${serialize(row)}\n`;
  };
}
