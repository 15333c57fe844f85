import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { MessageOutcome, RedriveFailuresResult } from '#src/redrive/redrive-failures.js';
import type { SkippedReject } from '#src/redrive/redrive-rejects.js';
import { UsageError } from '../usage-error.js';
import { type DeployedRedriveResult, redriveDeployed } from './redrive-deployed.js';
import { type LocalRedriveResult, REDRIVE_FUNCTIONS, RedriveSetupError, redriveLocal } from './redrive-local.js';

type FunctionName = (typeof REDRIVE_FUNCTIONS)[number];

/**
 * `fleetstream redrive`: parses the options, redrives locally or against a stage, prints what
 * happened and returns the exit code (0 all redriven, 1 something reported and kept).
 *
 * @example process.exitCode = await redriveCommand(argv, { repoRoot, write: (t) => process.stdout.write(t) });
 */
export async function redriveCommand(
  argv: string[],
  context: { repoRoot: string; service: () => string; write: (text: string) => void; aggregateWorker?: URL },
): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      dlq: { type: 'boolean' },
      rejects: { type: 'boolean' },
      reason: { type: 'string' },
      function: { type: 'string' },
      from: { type: 'string' },
      out: { type: 'string' },
      stage: { type: 'string' },
      region: { type: 'string' },
      prefix: { type: 'string' },
    },
    strict: true,
  });
  if (Boolean(values.dlq) === Boolean(values.rejects)) throw new UsageError('redrive: give --dlq or --rejects');
  const mode = values.dlq ? 'dlq' : 'rejects';
  if (values.reason !== undefined && mode !== 'rejects') throw new UsageError('--reason is for --rejects');
  if (values.function !== undefined && mode !== 'dlq') throw new UsageError('--function is for --dlq');
  if (values.function !== undefined && !REDRIVE_FUNCTIONS.includes(values.function as FunctionName))
    throw new UsageError(`--function must be ${REDRIVE_FUNCTIONS.join(' or ')}, got "${values.function}"`);
  const functions = values.function ? [values.function as FunctionName] : undefined;
  if (values.stage !== undefined) {
    if (values.from || values.out) throw new UsageError('--from and --out are for local runs, not --stage');
    if (values.prefix !== undefined && mode !== 'rejects') throw new UsageError('--prefix is for --rejects');
    const result = await redriveDeployed({
      mode,
      stage: values.stage,
      service: context.service(),
      ...(values.region ? { region: values.region } : {}),
      ...(values.reason !== undefined ? { reason: values.reason } : {}),
      ...(values.prefix !== undefined ? { prefix: values.prefix } : {}),
      ...(functions ? { functions } : {}),
      onOutcome: (fn, outcome) => context.write(`${formatOutcome(fn, outcome)}\n`),
    });
    context.write(`${formatDeployed(result)}\n`);
    return result.complete ? 0 : 1;
  }
  if (values.region || values.prefix) throw new UsageError('--region and --prefix are for --stage');
  const from = resolve(values.from ?? '.fleetstream');
  try {
    const result = await redriveLocal({
      mode,
      from,
      out: resolve(values.out ?? freshOut(`${from}-redrive-${mode}`)),
      repoRoot: context.repoRoot,
      ...(values.reason !== undefined ? { reason: values.reason } : {}),
      ...(functions ? { functions } : {}),
      ...(context.aggregateWorker ? { aggregateWorker: context.aggregateWorker } : {}),
    });
    context.write(`${formatLocal(result)}\n`);
    return result.complete ? 0 : 1;
  } catch (error) {
    if (error instanceof RedriveSetupError) throw new UsageError(error.message);
    throw error;
  }
}

/** `<base>-1`, `-2`, …: the first that does not exist, so a redrive never clears an earlier one's outputs. */
function freshOut(base: string): string {
  for (let n = 1; ; n++) if (!existsSync(`${base}-${n}`)) return `${base}-${n}`;
}

function formatOutcome(fn: string, outcome: MessageOutcome): string {
  const range = outcome.shardId
    ? ` ${outcome.shardId} ${outcome.startSequenceNumber}..${outcome.endSequenceNumber}`
    : ` message ${outcome.id}`;
  return `  ${fn}${range}: ${outcome.kind}, ${outcome.records} records${outcome.detail ? ` (${outcome.detail})` : ''}`;
}

function formatQueues(queues: Record<string, RedriveFailuresResult & { kept?: number }>): string[] {
  return Object.entries(queues).map(([fn, q]) => {
    const { redriven, expired, failed, invalid } = q.messages;
    const kept = q.kept === undefined ? '' : `; ${q.kept} left in dlq/${fn}.jsonl`;
    return `  ${fn.padEnd(10)} messages ${redriven} redriven, ${expired} expired, ${failed} failed again, ${invalid} invalid; records ${q.records.redriven} redriven, ${q.records.expired} expired, ${q.records.failed} failed again${kept}`;
  });
}

function formatSkipped(skipped: SkippedReject[]): string[] {
  return skipped.slice(0, 20).map((s) => `  skipped    ${s.reject_id} (${s.reason}): ${s.why}`);
}

/** What a local redrive prints: the messages or rejects, then how each record of the redrive's run ended. */
export function formatLocal(result: LocalRedriveResult): string {
  const lines = [`fleetstream redrive --${result.mode}: ${result.from} -> ${result.out}`];
  if (result.queues) {
    lines.push(...formatQueues(result.queues));
    for (const [fn, q] of Object.entries(result.queues))
      for (const outcome of q.outcomes) if (outcome.kind !== 'redriven') lines.push(formatOutcome(fn, outcome));
  }
  if (result.rejects) {
    const r = result.rejects;
    lines.push(`  rejects    ${r.read} read, ${r.matched} matched, ${r.skipped.length} skipped`);
    lines.push(...formatSkipped(r.skipped));
  }
  const report = result.report;
  if (!report) lines.push(`  records    0 to redrive`);
  else {
    const kpl = report.kpl_aggregates ? ` (${report.in} after KPL de-aggregation)` : '';
    lines.push(`  records    ${result.records} redriven${kpl}`);
    lines.push(
      `  outcomes   accepted ${report.accepted}, rejected ${report.rejected}, duplicates ${report.duplicates}, dead-lettered again ${report.dead_lettered} (= ${report.accepted + report.rejected + report.duplicates + report.dead_lettered} of ${report.in})`,
    );
    if (Object.keys(report.by_reason).length > 0)
      lines.push(
        `  rejected   ${Object.entries(report.by_reason)
          .map(([reason, n]) => `${reason} ${n}`)
          .join(', ')}`,
      );
    lines.push(`  outputs    ${report.out_dir}/{lake/,rejects.jsonl.gz,report.json}`);
  }
  lines.push(`  complete   ${result.complete ? 'yes' : 'no: what is listed above is kept for another redrive'}`);
  return lines.join('\n');
}

/** What a redrive of a stage prints. */
export function formatDeployed(result: DeployedRedriveResult): string {
  const lines = [`fleetstream redrive --${result.mode} --stage ${result.stage}`];
  if (result.queues) lines.push(...formatQueues(result.queues));
  if (result.rejects) {
    const r = result.rejects;
    lines.push(
      `  rejects    ${r.read} read from s3://${r.bucket}, ${r.matched} matched, ${r.skipped.length} skipped, ${r.put} put on ${r.stream}`,
    );
    lines.push(...formatSkipped(r.skipped));
    lines.push(
      '  outcomes   ingest judges them again: its Accepted, Rejected and Duplicates metrics and the outputs say how each ended',
    );
  } else if (result.queues) {
    const ended = { accepted: 0, rejected: 0, duplicates: 0, redelivered: 0, unreported: 0 };
    for (const q of Object.values(result.queues))
      for (const key of Object.keys(ended) as (keyof typeof ended)[]) ended[key] += q.ended[key];
    lines.push(
      `  outcomes   accepted ${ended.accepted}, rejected ${ended.rejected}, duplicates ${ended.duplicates}, redelivered ${ended.redelivered} (already delivered: skipped); ${ended.unreported} records whose function did not say`,
    );
  }
  lines.push(`  complete   ${result.complete ? 'yes' : 'no: what is listed above is kept for another redrive'}`);
  return lines.join('\n');
}
