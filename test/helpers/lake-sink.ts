import { join } from 'node:path';
import { LocalFirehose } from '#local/firehose/local-firehose.js';
import type { LocalLake } from '#local/lake/local-lake.js';
import { createFirehoseSink } from '#src/adapters/aws/firehose-sink.js';
import type { TableName } from '#src/schema/registry.js';
import { serializerFor } from '#src/sinks/serialize-event.js';
import type { Sink } from '#src/sinks/sink.js';

/**
 * A lake table's sink as the pipeline has it: the Firehose sink (packing, serialised to the table's
 * columns) over the Firehose stand-in, into `lake`.
 *
 * @example const sink = lakeSinkFor(lake, outDir, 'car_sensor'); await sink.write(events);
 */
export function lakeSinkFor<T extends object>(lake: LocalLake, outDir: string, table: TableName): Sink<T> {
  const stream = `test-lake-${table}`;
  const firehose = new LocalFirehose({
    lake,
    streams: new Map([[stream, table]]),
    errorDir: join(outDir, 'lake-errors'),
  });
  return createFirehoseSink<T>({
    client: firehose,
    deliveryStreamName: stream,
    name: stream,
    serialise: serializerFor(table),
  });
}
