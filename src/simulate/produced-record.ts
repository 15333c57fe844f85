/** One record as a producer hands it to Kinesis: the partition key and the payload text. */
export interface ProducedRecord {
  partitionKey: string;
  data: string;
  /** When the record reaches the stream (epoch ms); replays use the event time, so runs are deterministic. */
  arrivalMs?: number;
}
