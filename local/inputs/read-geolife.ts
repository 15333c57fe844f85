import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { parsePlt, pltReject } from '#src/geolife/parse-plt.js';
import type { SourceItem } from '../run/run-pipeline.js';

/**
 * Reads a Geolife folder (the root holding `Data/`, or `Data/` itself): every
 * `Data/<user>/Trajectory/*.plt` in name order; each data line becomes a trajectory_point record
 * keyed by user, each malformed line a source-side reject naming file and line.
 */
export async function* readGeolifeFolder(root: string): AsyncGenerator<SourceItem> {
  const data = existsSync(join(root, 'Data')) ? join(root, 'Data') : root;
  const users = readdirSync(data, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();
  for (const userId of users) {
    const trajectories = join(data, userId, 'Trajectory');
    if (!existsSync(trajectories)) continue;
    const files = readdirSync(trajectories)
      .filter((file) => file.toLowerCase().endsWith('.plt'))
      .sort();
    for (const file of files) {
      const path = join(trajectories, file);
      const ids = { userId, trajectoryId: basename(file, '.plt'), source: relative(root, path) };
      for (const line of parsePlt(readFileSync(path, 'utf8'), ids)) {
        if (!line.ok) {
          yield { kind: 'reject', reject: pltReject(ids, line) };
          continue;
        }
        const arrivalMs = Date.parse(line.point.ts as string);
        yield { kind: 'record', record: { partitionKey: userId, data: JSON.stringify(line.point), arrivalMs } };
      }
    }
  }
}
