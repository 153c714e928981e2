/**
 * `ibc sweep --launcher slurm` and Ctrl-C at the moment it submits: the sweep watches its signals
 * from before sbatch runs, so a Ctrl-C while sbatch is still answering gets the sweep's own answer
 * (stop following, say how to follow or cancel the job, exit 130), never Node's default death with
 * no word. A stand-in sbatch that waits for the test makes the moment exact; the real cluster's
 * Ctrl-C case is in sweep-slurm.test.ts.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO, requireBuiltCli } from '../fixtures/sweep.js';
import type { SweepManifest } from '../../src/runtime/runs/sweep/manifest.js';

let work: string;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** sbatch marks that it started, waits until the test lets it answer, then prints job 91; squeue keeps task 0 pending. */
function blockingSlurm(dir: string): string {
  const bin = join(dir, 'fake-bin');
  mkdirSync(bin);
  const scripts: Record<string, string> = {
    sbatch: ['#!/bin/bash', ': > "$FAKE_SLURM/sbatch-started"', 'while [ ! -f "$FAKE_SLURM/sbatch-go" ]; do sleep 0.05; done', 'echo 91'].join('\n'),
    squeue: ['#!/bin/bash', 'echo "91|0|PENDING|0"'].join('\n'),
    sacct: ['#!/bin/bash', 'exit 0'].join('\n'),
  };
  for (const [name, text] of Object.entries(scripts)) {
    writeFileSync(join(bin, name), `${text}\n`);
    chmodSync(join(bin, name), 0o755);
  }
  return bin;
}

beforeAll(() => {
  requireBuiltCli();
  work = mkdtempSync(join(tmpdir(), 'ibc-sweep-slurm-signals-'));
});

describe('Ctrl-C while sbatch submits', () => {
  it('stops following once the job is submitted: the job id, how to follow or cancel it, exit 130', async () => {
    const bin = blockingSlurm(work);
    const spec = join(work, 'held.ibspec');
    writeFileSync(spec, `${readFileSync(join(REPO, 'specs', 'test', 'tiny-aib-qt.ibspec'), 'utf8').replace(/^name .*$/m, 'name held')}\nsweep {\n  seeds 1\n}\n`);
    const dir = join(work, 'out');
    const args = ['sweep', spec, '--out', dir, '--launcher', 'slurm', '--poll', '1', '--cpus-per-task', '1'];
    const env = { ...process.env, PATH: `${bin}:${process.env['PATH'] ?? ''}`, FAKE_SLURM: work };
    const child = spawn(process.execPath, [join(REPO, 'bin', 'ibc.js'), ...args], { cwd: work, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const closed = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) => child.on('close', (code, signal) => done({ code, signal })));
    for (let i = 0; i < 400 && !existsSync(join(work, 'sbatch-started')); i++) await sleep(50);
    expect(existsSync(join(work, 'sbatch-started')), stderr).toBe(true);
    // The sweep is waiting for sbatch's answer: the signal lands now, then sbatch answers.
    child.kill('SIGINT');
    await sleep(200);
    writeFileSync(join(work, 'sbatch-go'), '');
    const end = await closed;
    expect(end, stderr).toEqual({ code: 130, signal: null });
    expect(stderr).toContain('slurm: submitted job 91 (1 task(s)');
    expect(stderr).toContain('stopped following (SIGINT): 1 member(s) keep running or queued on the cluster as job 91\n');
    expect(stderr).toContain('cancel them with: scancel 91\n');
    expect(stderr).toContain(`follow them again with: ibc ${args.join(' ')}\n`);
    const manifest = JSON.parse(readFileSync(join(dir, 'sweep.json'), 'utf8')) as SweepManifest;
    expect(manifest.launches[0]?.job).toBe('91');
    expect(manifest.launches[0]!.outcomes).toBeUndefined();
  }, 60_000);
});
