import { alertsCost } from './alerts.js';
import type { Assumptions } from './assumptions.js';
import { athenaCost, type LakeTable, type NamedQuerySql, scanQuery } from './athena.js';
import { type BatchCluster, batchRunsPerMonth, emrCost, stepFunctionsCost } from './batch.js';
import { DAYS_PER_MONTH, type ServiceCost, type ServiceName, serviceCost } from './cost-line.js';
import { deliverFlow, firehoseCost } from './firehose.js';
import { kinesisCost, type StreamSizing, sizeStream } from './kinesis.js';
import { lakeFlows } from './lake-flows.js';
import { lakeStorageCost, tableGrowth } from './lake-storage.js';
import { type InvocationProfile, lambdaCost, profileInvocations } from './lambda.js';
import { cloudWatchCost, type ObservabilityInventory } from './observability.js';
import { openSearchCost } from './opensearch.js';
import type { PriceBook } from './price-book.js';
import type { StageSettings } from './stage-settings.js';
import type { Workload } from './workload.js';

/** What the stack's own files say that the model needs: tables, queries, alarms, the batch job. */
export interface StackInventory extends ObservabilityInventory {
  lakeTables: LakeTable[];
  namedQueries: NamedQuerySql[];
  batchCluster: BatchCluster;
  batchStatesPerRun: number;
}

/** Everything a monthly estimate is computed from; nothing else (no clock, no files). */
export interface CostInputs {
  stage: StageSettings;
  workload: Workload;
  assumptions: Assumptions;
  inventory: StackInventory;
  book: PriceBook;
}

/** A stage's monthly bill for a workload, per service, with its total and the service that dominates. */
export interface CostEstimate {
  stage: string;
  workload: Workload;
  sizing: StreamSizing;
  profiles: InvocationProfile[];
  services: ServiceCost[];
  totalUsd: number;
  dominant: ServiceName;
  /** What the named queries cause: Athena's scans plus the S3 GETs and LISTs they issue. */
  queriesUsd: number;
}

/**
 * The monthly cost of the stack as a stage configures it, for a steady workload, in the target
 * architecture: search documents indexed by ingest and aggregate with signed _bulk requests (no
 * search Firehose streams), alerts on an SNS FIFO topic, named queries over deduplicating views.
 *
 * @example estimateMonthlyCost({ stage, workload, assumptions, inventory, book }).totalUsd
 */
export function estimateMonthlyCost(inputs: CostInputs): CostEstimate {
  const { stage, workload, assumptions, inventory, book } = inputs;
  if (workload.lakeAgeMonths < 1) throw new Error('lakeAgeMonths must be at least 1');
  const sizing = sizeStream(stage, workload, assumptions);
  const profile = (name: 'ingest' | 'aggregate', ioMsPerBatch: number) =>
    profileInvocations({
      name,
      settings: stage[name],
      sizing,
      eventsPerRecord: workload.eventsPerKinesisRecord,
      ioMsPerBatch,
      assumptions,
    });
  const ingest = profile('ingest', assumptions.ingestIoMsPerBatch);
  const aggregate = profile('aggregate', assumptions.aggregateIoMsPerBatch);
  const profiles = [ingest, aggregate];
  const services: ServiceCost[] = [kinesisCost(sizing, stage, book), lambdaCost(profiles, book)];
  let dayParquetGb = 0;
  let queriesUsd = 0;
  if (stage.analytics) {
    const deliveries = lakeFlows(workload, stage, sizing, ingest, assumptions).map((flow) => deliverFlow(flow, stage));
    const growth = tableGrowth(deliveries, assumptions.parquetCompressionRatio);
    const volumes = growth.map((t) => ({
      table: t.table,
      parquetBytesPerDay: (t.parquetGbPerMonth * 1024 ** 3) / DAYS_PER_MONTH,
      objectsPerDay: t.objectsPerMonth / DAYS_PER_MONTH,
    }));
    const scans = inventory.namedQueries.map((query) =>
      scanQuery(query, inventory.lakeTables, volumes, workload, stage, assumptions),
    );
    dayParquetGb = growth.reduce((sum, t) => sum + t.parquetGbPerMonth, 0) / DAYS_PER_MONTH;
    const documentsPerSecond = workload.eventsPerSecond * (1 + workload.alertRatio);
    const storage = lakeStorageCost(growth, scans, workload, book);
    const athena = athenaCost(scans, workload, assumptions, book);
    queriesUsd = athena.usd + storage.queryRequestsUsd;
    services.push(
      firehoseCost(deliveries, book),
      storage.cost,
      athena,
      openSearchCost(stage, documentsPerSecond, book),
    );
  } else {
    for (const service of ['Firehose', 'S3', 'Athena', 'OpenSearch'] as const)
      services.push(serviceCost(service, [], [`analytics is off on ${stage.stage}`]));
  }
  services.push(
    stepFunctionsCost(stage, inventory.batchStatesPerRun, book),
    emrCost(stage, inventory.batchCluster, dayParquetGb, assumptions, book),
    alertsCost(workload, assumptions.alertBytes, batchRunsPerMonth(stage), book),
    cloudWatchCost(stage, profiles, inventory, assumptions, book),
  );
  const totalUsd = services.reduce((sum, service) => sum + service.usd, 0);
  const dominant = services.reduce((top, service) => (service.usd > top.usd ? service : top)).service;
  return { stage: stage.stage, workload, sizing, profiles, services, totalUsd, dominant, queriesUsd };
}
