import type { Assumptions } from './assumptions.js';
import { costLine, DAYS_PER_MONTH, type ServiceCost, serviceCost } from './cost-line.js';
import { type PriceBook, priceOf } from './price-book.js';
import type { BatchEngine, StageSettings } from './stage-settings.js';

/** The transient cluster the batch-analytics state machine creates (its Settings state). */
export interface BatchCluster {
  instanceType: string;
  coreNodes: number;
}

type AslState = {
  Type: string;
  Next?: string;
  Default?: string;
  Choices?: { Next: string }[];
  End?: boolean;
  Result?: unknown;
};
type Asl = { StartAt: string; States: Record<string, AslState> };

/**
 * The states a successful run passes through for an engine: from StartAt along Next, the first
 * Choice branch for `serverless` and the Default for `cluster`. Each is one billed state transition.
 */
export function successPathStates(asl: Asl, engine: BatchEngine): string[] {
  const path: string[] = [];
  let name: string | undefined = asl.StartAt;
  while (name !== undefined) {
    if (path.includes(name)) throw new Error(`state machine loops at ${name}`);
    const state: AslState | undefined = asl.States[name];
    if (!state) throw new Error(`state machine has no state ${name}`);
    path.push(name);
    if (state.Type === 'Choice') name = engine === 'serverless' ? state.Choices?.[0]?.Next : state.Default;
    else name = state.End ? undefined : state.Next;
  }
  return path;
}

/** The cluster shape the ASL's Settings state passes to CreateCluster (`emr.instanceType`, `emr.coreNodes`). */
export function batchClusterOf(asl: Asl): BatchCluster {
  for (const state of Object.values(asl.States)) {
    const emr = (state.Result as { emr?: { instanceType?: unknown; coreNodes?: unknown } } | undefined)?.emr;
    if (typeof emr?.instanceType === 'string' && typeof emr.coreNodes === 'number')
      return { instanceType: emr.instanceType, coreNodes: emr.coreNodes };
  }
  throw new Error('batch-analytics ASL: no Settings state with emr.instanceType and emr.coreNodes');
}

/** Runs of the nightly job in a month: one a day when the stage schedules it. */
export function batchRunsPerMonth(stage: StageSettings): number {
  return stage.batchSchedule ? DAYS_PER_MONTH : 0;
}

/** Step Functions: the nightly run's state transitions (the .sync waits are not transitions). */
export function stepFunctionsCost(stage: StageSettings, statesPerRun: number, book: PriceBook): ServiceCost {
  const transitions = batchRunsPerMonth(stage) * statesPerRun;
  return serviceCost('Step Functions', [
    costLine(
      `batch-analytics (${statesPerRun} transitions a run)`,
      transitions / 1000,
      'thousand transitions',
      priceOf(book, 'stepfunctions.thousandTransitions'),
    ),
  ]);
}

/**
 * The nightly EMR run over yesterday's Parquet: a transient cluster (1 primary + core nodes, EC2 plus
 * the EMR charge, for the start-up overhead plus the work) or EMR Serverless (the same vCPU and
 * memory, for the work only).
 */
export function emrCost(
  stage: StageSettings,
  cluster: BatchCluster,
  dayParquetGb: number,
  assumptions: Assumptions,
  book: PriceBook,
): ServiceCost {
  const runs = batchRunsPerMonth(stage);
  const nodes = 1 + cluster.coreNodes;
  const workMinutes = (dayParquetGb * assumptions.emrMinutesPerGbPerCoreNode) / cluster.coreNodes;
  const notes = [
    `${dayParquetGb.toFixed(2)} GB of Parquet a day: about ${workMinutes.toFixed(1)} minutes of Spark work a run`,
  ];
  if (stage.batchEngine === 'cluster') {
    const hours = runs * nodes * ((assumptions.emrOverheadMinutes + workMinutes) / 60);
    return serviceCost(
      'EMR',
      [
        costLine(
          `EC2 ${nodes} × ${cluster.instanceType}`,
          hours,
          'instance-hour',
          priceOf(book, `emr.ec2InstanceHour.${cluster.instanceType}`),
        ),
        costLine('EMR charge', hours, 'instance-hour', priceOf(book, `emr.upliftInstanceHour.${cluster.instanceType}`)),
      ],
      [...notes, 'EBS volumes of the nodes are not modelled'],
    );
  }
  const shape = assumptions.instanceShapes[cluster.instanceType];
  if (!shape) throw new Error(`no shape for ${cluster.instanceType} in the model's assumptions`);
  const hours = runs * (Math.max(1, workMinutes) / 60);
  return serviceCost(
    'EMR',
    [
      costLine('EMR Serverless vCPU', hours * nodes * shape.vcpu, 'vCPU-hour', priceOf(book, 'emrServerless.vcpuHour')),
      costLine(
        'EMR Serverless memory',
        hours * nodes * shape.memoryGb,
        'GB-hour',
        priceOf(book, 'emrServerless.gbHour'),
      ),
    ],
    notes,
  );
}
