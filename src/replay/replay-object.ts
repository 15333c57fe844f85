import { parsePlt, pltReject } from '../geolife/parse-plt.js';
import type { ProducedRecord } from '../simulate/produced-record.js';
import type { Reject } from '../telemetry/event.js';
import { partitionKeyOf } from '../telemetry/partition-key.js';

/** The records of one replayed object, and the lines that could not become one. */
export interface ReplayBatch {
  records: ProducedRecord[];
  rejects: Reject[];
  /** Why the object was not read at all (neither `.plt` nor JSONL, e.g. Geolife's labels.txt). */
  skipped?: string;
}

const GEOLIFE_KEY = /(?:^|\/)([^/]+)\/Trajectory\/([^/]+)\.plt$/i;

/**
 * Turns one object of a replay prefix into stream records: a Geolife `.plt`
 * (`…/<user>/Trajectory/<trajectory>.plt`) gives one `trajectory_point` per data line keyed by
 * user, a malformed line a reject naming the object and line; a `.jsonl` (`.ndjson`, `.json`)
 * object gives one raw payload per line as it would sit in a Kinesis record (ingest judges it);
 * anything else is skipped, and says so.
 *
 * @example const { records, rejects } = replayObject('incoming/Data/000/Trajectory/20081023025304.plt', text);
 */
export function replayObject(key: string, text: string): ReplayBatch {
  const geolife = GEOLIFE_KEY.exec(key);
  const records: ProducedRecord[] = [];
  const rejects: Reject[] = [];
  if (geolife) {
    const ids = { userId: geolife[1]!, trajectoryId: geolife[2]!, source: key };
    for (const line of parsePlt(text, ids)) {
      if (line.ok) records.push({ partitionKey: ids.userId, data: JSON.stringify(line.point) });
      else rejects.push(pltReject(ids, line));
    }
    return { records, rejects };
  }
  if (!/\.(jsonl|ndjson|json)$/i.test(key))
    return { records, rejects, skipped: 'not a Geolife .plt or a JSONL object' };
  const lines = text.split(/\r?\n/);
  if (lines.at(-1) === '') lines.pop(); // the newline that ends the last line
  lines.forEach((line, index) => {
    const position = `${key}:${index + 1}`;
    if (line.trim() !== '') records.push({ partitionKey: partitionKeyOf(line, position), data: line });
    // Kinesis takes no empty record: an empty line is a reject here, with its position.
    else
      rejects.push({
        reject_id: position,
        reason: 'jsonl:empty_line',
        message: `${key} line ${index + 1}: empty line`,
        source: { stream: 'replay', shard_id: '', partition_key: '', sequence_number: '' },
        event_id: null,
        type: null,
        payload_preview: line,
      });
  });
  return { records, rejects };
}
