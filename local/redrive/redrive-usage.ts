// The help text of `fleetstream redrive`, apart from the command so the CLI's help loads none of it.

/** The usage lines of `fleetstream redrive`. */
export const REDRIVE_USAGE = `  fleetstream redrive --dlq [--function ingest|aggregate] [--from DIR] [--out DIR]
  fleetstream redrive --rejects [--reason REASON] [--from DIR] [--out DIR]
  fleetstream redrive --dlq --stage STAGE [--function ingest|aggregate] [--region REGION]
  fleetstream redrive --rejects --stage STAGE [--reason REASON] [--prefix PREFIX] [--region REGION]`;

/** The options help of `fleetstream redrive`. */
export const REDRIVE_OPTIONS = `redrive options (docs/redrive.md; exit 0 when everything was redriven, 1 when something was
expired, failed again, skipped or dead-lettered again, and is reported and kept, 2 on a usage mistake):
  --dlq        the on-failure messages: each failed range re-read and sent through the function again
  --rejects    the stored rejects sent again (after the schema or the producer was fixed)
  --reason     only rejects of this reason or under it (schema matches schema:/speed:minimum)
  --function   only this function's on-failure messages (default ingest, then aggregate)
  (no --stage) a finished local run: --from DIR (default .fleetstream) is read, its dlq/ ranges come from
               the run's spool dlq/<function>.records.jsonl, and the records go through the whole local
               pipeline into --out DIR (cleared first; default a new <from>-redrive-<dlq|rejects>-<n>),
               whose report.json says how each ended
  --stage      the deployed stage (AWS credentials from the default chain; AWS_ENDPOINT_URL for an
               emulator): --dlq reads the SQS queues, GetShardIterator AT_SEQUENCE_NUMBER, Invoke;
               --rejects reads s3://<rejects bucket>/<prefix> (default rejects/) and PutRecords`;
