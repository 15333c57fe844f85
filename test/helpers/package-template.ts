import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { readServerlessConfig } from '#local/serverless-config.js';

/** A CloudFormation resource as `sls package` writes it. */
export interface CfnResource {
  Type: string;
  Condition?: string;
  DependsOn?: string | string[];
  DeletionPolicy?: string;
  UpdateReplacePolicy?: string;
  /** `Metadata.checkov.skip`: the checks waived for the resource, each with a reason. */
  Metadata?: { checkov?: { skip?: { id: string; comment?: string }[] } };
  Properties: Record<string, unknown>;
}

/** An IAM policy statement as it appears in a role's inline policies. */
export interface IamStatement {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Action: string | string[];
  Resource: unknown;
  Condition?: unknown;
}

/** What one `sls package` run left in its output folder. */
export interface PackagedStack {
  dir: string;
  resources: Record<string, CfnResource>;
}

// The osls entry point, run with the Node that runs the tests (24), not whatever `node` is on PATH.
const SLS = join('node_modules', 'osls', 'bin', 'serverless.js');
const CREDENTIAL_VARIABLES = [
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'AWS_PROFILE',
  'AWS_DEFAULT_PROFILE',
  'AWS_ENDPOINT_URL',
];

/**
 * Runs `sls package --stage <stage>` offline with no AWS credentials into `dir` (a fresh temporary
 * folder by default, so concurrent runs never share `.serverless/`) and returns the update template.
 */
export async function packageStack(stage: string, dir?: string, extraArgs: string[] = []): Promise<PackagedStack> {
  const out = dir ?? mkdtempSync(join(tmpdir(), `fleetstream-package-${stage}-`));
  await runSls(['package', '--stage', stage, '--package', out, ...extraArgs]);
  return { dir: out, resources: readTemplate(out).Resources };
}

/**
 * Runs osls offline: no AWS credentials in its environment, no telemetry, no instance-metadata
 * probing. Resolves to its standard output; fails with its output when it exits non-zero.
 */
export async function runSls(args: string[]): Promise<string> {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    // Fail fast instead of probing the EC2 instance metadata endpoint for credentials.
    AWS_EC2_METADATA_DISABLED: 'true',
    SLS_TELEMETRY_DISABLED: '1',
    SLS_NOTIFICATIONS_MODE: 'off',
  };
  for (const name of CREDENTIAL_VARIABLES) delete env[name];
  const { stdout } = await promisify(execFile)(process.execPath, [SLS, ...args], {
    env,
    maxBuffer: 16 * 1024 * 1024,
  });
  return stdout;
}

/** The CloudFormation template `sls package` wrote into a package folder. */
export function readTemplate(dir: string): { Resources: Record<string, CfnResource> } {
  return JSON.parse(readFileSync(join(dir, 'cloudformation-template-update-stack.json'), 'utf8'));
}

/** The resources of one CloudFormation type, by logical id. */
export function resourcesOfType(resources: Record<string, CfnResource>, type: string): [string, CfnResource][] {
  return Object.entries(resources).filter(([, resource]) => resource.Type === type);
}

/** The logical id a `{ Ref }` or `{ Fn::GetAtt }` points at, or undefined for anything else. */
export function referencedId(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  if ('Ref' in value && typeof value.Ref === 'string') return value.Ref;
  if ('Fn::GetAtt' in value && Array.isArray(value['Fn::GetAtt'])) return String(value['Fn::GetAtt'][0]);
  return undefined;
}

/** Every statement of every inline policy of an IAM role. */
export function roleStatements(role: CfnResource): IamStatement[] {
  const policies = (role.Properties.Policies ?? []) as { PolicyDocument: { Statement: IamStatement[] } }[];
  return policies.flatMap((policy) => policy.PolicyDocument.Statement);
}

/** serverless.yml `params` for a stage over `params.default`, read the way the local runtime reads them. */
export function stageParams(stage: string): Record<string, unknown> {
  return readServerlessConfig('serverless.yml', stage).params;
}

/**
 * The entry names of a zip file, read from its central directory (no unzip tool needed).
 * https://pkware.cachefly.net/webdocs/casestudies/APPNOTE.TXT section 4.3.16 and 4.3.12
 */
export function listZipEntries(path: string): string[] {
  const zip = readFileSync(path);
  const end = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  if (end < 0) throw new Error(`${path}: no zip end-of-central-directory record`);
  const count = zip.readUInt16LE(end + 10);
  let offset = zip.readUInt32LE(end + 16);
  const names: string[] = [];
  for (let i = 0; i < count; i++) {
    if (zip.readUInt32LE(offset) !== 0x02014b50) throw new Error(`${path}: bad central directory entry ${i}`);
    const nameLength = zip.readUInt16LE(offset + 28);
    const extraLength = zip.readUInt16LE(offset + 30);
    const commentLength = zip.readUInt16LE(offset + 32);
    names.push(zip.toString('utf8', offset + 46, offset + 46 + nameLength));
    offset += 46 + nameLength + extraLength + commentLength;
  }
  return names;
}
