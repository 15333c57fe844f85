import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import yaml from 'js-yaml';

/** A CloudFormation resource as `sls package` writes it. */
export interface CfnResource {
  Type: string;
  Properties: Record<string, unknown>;
}

/** Runs `sls package --stage <stage>` into a fresh folder, offline, and returns the template's resources. */
export async function packageStack(stage: string): Promise<Record<string, CfnResource>> {
  const dir = mkdtempSync(join(tmpdir(), `fleetstream-package-${stage}-`));
  const env: NodeJS.ProcessEnv = { ...process.env, AWS_EC2_METADATA_DISABLED: 'true', SLS_TELEMETRY_DISABLED: '1' };
  for (const name of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_PROFILE'])
    delete env[name];
  await promisify(execFile)(join('node_modules', '.bin', 'sls'), ['package', '--stage', stage, '--package', dir], {
    env,
    maxBuffer: 16 * 1024 * 1024,
  });
  const template = JSON.parse(readFileSync(join(dir, 'cloudformation-template-update-stack.json'), 'utf8'));
  return template.Resources;
}

/** The resources of one CloudFormation type, by logical id. */
export function resourcesOfType(resources: Record<string, CfnResource>, type: string): [string, CfnResource][] {
  return Object.entries(resources).filter(([, resource]) => resource.Type === type);
}

/** serverless.yml `params` for a stage over `params.default`, read with the CloudFormation tags ignored. */
export function stageParams(stage: string): Record<string, unknown> {
  const tags = ['!Ref', '!GetAtt', '!Sub', '!If', '!Equals'].flatMap((tag) =>
    (['scalar', 'sequence', 'mapping'] as const).map((kind) => new yaml.Type(tag, { kind, construct: (data) => data })),
  );
  const doc = yaml.load(readFileSync('serverless.yml', 'utf8'), { schema: yaml.DEFAULT_SCHEMA.extend(tags) }) as {
    params: Record<string, Record<string, unknown>>;
  };
  return { ...doc.params.default, ...doc.params[stage] };
}
