/** What flows through the stack: the inputs of `fleetstream cost` that serverless.yml does not fix. */
export interface Workload {
  /** Events produced per second, steady over the month. */
  eventsPerSecond: number;
  /** Serialised bytes of one event (Kinesis payload and lake row). */
  eventBytes: number;
  /** Events per Kinesis record: 1 for plain PutRecords, more with KPL aggregation. */
  eventsPerKinesisRecord: number;
  /** Share of events that raise an alert. */
  alertRatio: number;
  /** The lake table the events land in (the fleet's car_sensor by default). */
  eventTable: string;
  /** Runs of each named query per day. */
  queryRunsPerDay: number;
  /** Months the lake has been filling at the month costed (storage grows with it; a query window longer than the lake reads only what it holds). */
  lakeAgeMonths: number;
  /** Hour partitions partition projection enumerates per table (from its range start to the month costed): a window lists no more. */
  projectedHourPartitions: number;
}

/** The workload defaults of `fleetstream cost`, with the reason for each in docs/cost.md. */
export const DEFAULT_WORKLOAD: Omit<Workload, 'eventsPerSecond' | 'projectedHourPartitions'> = {
  eventBytes: 250,
  eventsPerKinesisRecord: 1,
  alertRatio: 0.02,
  eventTable: 'car_sensor',
  queryRunsPerDay: 24,
  lakeAgeMonths: 12,
};
