/**
 * The Firehose stream of a lake table: `<prefix><name>` with `_` as `-`
 * (`fleetstream-dev-lake-` + `car_sensor` → `fleetstream-dev-lake-car-sensor`). The stack names its
 * streams with it and the functions find them with it.
 */
export function deliveryStreamName(prefix: string, name: string): string {
  return `${prefix}${name.replaceAll('_', '-')}`;
}

/** The stream name prefix of a stage's lake delivery streams. */
export function deliveryStreamPrefixes(service: string, stage: string): { lake: string } {
  return { lake: `${service}-${stage}-lake-` };
}
