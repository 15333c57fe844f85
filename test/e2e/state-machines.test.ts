import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { clients, destroyClients, readJsonlObjects, runExecution, stackOutputs, waitFor } from './emulator.js';

const GEOLIFE = join('test', 'fixtures', 'geolife', 'Data', '000', 'Trajectory');

/**
 * `fleetstream sfn <machine> --stage local` as an operator runs it: the built CLI, the SDK's default
 * credential chain and AWS_ENDPOINT_URL (set by scripts/test-e2e.sh) pointing it at the emulator.
 */
async function fleetstreamSfn(...args: string[]): Promise<{ code: number; stdout: string }> {
  return promisify(execFile)(process.execPath, [join('dist', 'cli.js'), 'sfn', ...args], {
    env: process.env,
    timeout: 120_000,
  }).then(
    ({ stdout }) => ({ code: 0, stdout }),
    (error: { code?: number; stdout?: string; stderr?: string }) => {
      if (typeof error.code !== 'number') throw error;
      return { code: error.code, stdout: `${error.stdout ?? ''}${error.stderr ?? ''}` };
    },
  );
}

describe('The state machines deployed to the emulator', () => {
  let outputs: Record<string, string>;

  beforeAll(async () => {
    outputs = await stackOutputs();
  });
  afterAll(() => destroyClients());

  it('load-dimensions validates the CSVs deploy uploaded and publishes the store; a second run changes nothing', async () => {
    // Act
    const first = await runExecution('LoadDimensions', {}, ['fleetstream-local-loadDimensions']);
    const second = await runExecution('LoadDimensions', {}, ['fleetstream-local-loadDimensions']);

    // Assess
    expect(first).toMatchObject({
      status: 'SUCCEEDED',
      output: { ok: true, rows: { cars: 20, car_models: 7, car_colors: 7 } },
    });
    expect(second.output).toMatchObject({ ok: true, changed: false });
    const [current] = await readJsonlObjects(outputs.DataBucketName!, 'dimensions/store/current.json');
    expect(current).toMatchObject({ version: (first.output as { version: string }).version });
  });

  it('replay puts every point of a Geolife prefix into the stream, and ingest accepts them', async () => {
    // Prepare: two trajectories of a user of this run's own (the user id, from the path, is part of
    // every point's event_id, so these never collide with the fixtures other suites put)
    const user = `e2e-${Date.now()}`;
    const prefix = `replays/Data/${user}/Trajectory/`;
    const files = ['20081023025304.plt', '20081024020959.plt'];
    for (const file of files)
      await clients.s3.send(
        new PutObjectCommand({
          Bucket: outputs.DataBucketName!,
          Key: `${prefix}${file}`,
          Body: readFileSync(join(GEOLIFE, file)),
        }),
      );
    // Act
    const execution = await runExecution('Replay', { bucket: outputs.DataBucketName, prefix }, [
      'fleetstream-local-replay',
    ]);

    // Assess: 6 + 4 good points put, 3 bad lines reported; the points reach the lake through ingest
    expect(execution.status).toBe('SUCCEEDED');
    const objects = (execution.output as { objects: { put: number; rejected: number }[] }).objects;
    expect(objects.map((o) => [o.put, o.rejected])).toEqual([
      [6, 0],
      [4, 3],
    ]);
    const points = await waitFor(
      `the 10 points of ${user} in the lake`,
      async () => {
        const ours = (await readJsonlObjects(outputs.LakeBucketName!, 'events/')).filter((e) => e.user_id === user);
        return ours.length >= 10 ? ours : undefined;
      },
      { functions: ['fleetstream-local-ingest', 'fleetstream-local-replay'] },
    );
    expect(points).toHaveLength(10);
    expect(new Set(points.map((p) => p.trajectory_id))).toEqual(new Set(['20081023025304', '20081024020959']));
  });

  it('fleetstream sfn load-dimensions --stage local starts the deployed machine, prints its states and exits 0', async () => {
    // Act
    const { code, stdout } = await fleetstreamSfn('load-dimensions', '--stage', 'local');

    // Assess
    const lines = stdout.split('\n');
    expect(lines[0]).toMatch(/^started arn:aws:states:.*:execution:fleetstream-local-LoadDimensions:/);
    expect(lines).toContain('LoadDimensions');
    expect(lines).toContain('SUCCEEDED');
    expect(code).toBe(0);
  });

  it('fleetstream sfn replay --stage local exits 1 and prints the failure when the execution fails', async () => {
    // Act: a bucket that does not exist fails the distributed Map's S3 item reader, which the Map
    // catches into the ReplayFailed state
    const { code, stdout } = await fleetstreamSfn(
      'replay',
      '--stage',
      'local',
      '--input',
      JSON.stringify({ bucket: `fleetstream-no-such-bucket-${Date.now()}`, prefix: 'incoming/' }),
    );

    // Assess
    expect(stdout).toContain('ExecutionFailed: ReplayFailed: At least one object could not be replayed.');
    expect(stdout.split('\n')).toContain('FAILED');
    expect(code).toBe(1);
  });
});
