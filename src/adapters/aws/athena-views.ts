import {
  type AthenaClient,
  GetQueryExecutionCommand,
  type QueryExecutionState,
  StartQueryExecutionCommand,
} from '@aws-sdk/client-athena';
import { sleep as realSleep, type Sleep } from './retry.js';

/** Options of createAthenaViews. */
export interface AthenaViewsOptions {
  client: AthenaClient;
  workGroup: string;
  database: string;
  /** `CREATE OR REPLACE VIEW …` statements (src/schema/dedupe-views.ts). */
  statements: readonly { table: string; sql: string }[];
  pollMs?: number;
  sleep?: Sleep;
}

/** Thrown when Athena refuses a view, with its reason. */
export class AthenaViewError extends Error {
  override readonly name = 'AthenaViewError';
}

/**
 * Creates (or replaces) views in Athena, one DDL query at a time, waiting for each: the workgroup
 * enforces its result location and encryption. CloudFormation has no resource for an Athena view,
 * so this runs after each deploy; `CREATE OR REPLACE` makes it idempotent
 * (https://docs.aws.amazon.com/athena/latest/ug/create-view.html).
 *
 * @example await createAthenaViews({ client: new AthenaClient({}), workGroup, database, statements: dedupeViewStatements() });
 */
export async function createAthenaViews(options: AthenaViewsOptions): Promise<string[]> {
  const sleep = options.sleep ?? realSleep;
  const created: string[] = [];
  for (const { table, sql } of options.statements) {
    const { QueryExecutionId } = await options.client.send(
      new StartQueryExecutionCommand({
        QueryString: sql,
        WorkGroup: options.workGroup,
        QueryExecutionContext: { Database: options.database },
      }),
    );
    let state: QueryExecutionState | undefined;
    let reason = '';
    do {
      await sleep(options.pollMs ?? 500);
      const { QueryExecution } = await options.client.send(new GetQueryExecutionCommand({ QueryExecutionId }));
      state = QueryExecution?.Status?.State;
      reason = QueryExecution?.Status?.StateChangeReason ?? '';
    } while (state === 'QUEUED' || state === 'RUNNING' || state === undefined);
    if (state !== 'SUCCEEDED') throw new AthenaViewError(`view ${table}: ${state} ${reason}`.trim());
    created.push(table);
  }
  return created;
}
