/**
 * `ibc sweep --launcher slurm` and a signal around its submission: the sweep watches Ctrl-C and
 * SIGTERM from before it asks the cluster anything, so a signal while sbatch is still answering
 * gets the sweep's own answer (stop following, say how to follow or cancel the job, exit 130),
 * and one before sbatch runs submits nothing; never Node's default death with no word. Stand-in
 * sbatch and squeue that wait for the test make the moments exact; the real cluster's Ctrl-C case
 * is in sweep-slurm.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO, requireBuiltCli } from '../fixtures/sweep.js';
import type { SweepManifest } from '../../src/runtime/runs/sweep/manifest.js';

let work: string;
let bin: string;
let spec: string;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * sbatch counts its calls, marks that it started, waits until the test lets it answer, then prints
 * job 91; squeue keeps task 0 pending, or (FAKE_SQUEUE_WAITS set) marks that it started, waits for
 * the test and knows no task.
 */
function blockingSlurm(dir: string): string {
  const bin = join(dir, 'fake-bin');
  mkdirSync(bin);
  const scripts: Record<string, string> = {
    sbatch: ['#!/bin/bash', 'echo call >> "$FAKE_SLURM/sbatch-calls"', ': > "$FAKE_SLURM/sbatch-started"', 'while [ ! -f "$FAKE_SLURM/sbatch-go" ]; do sleep 0.05; done', 'echo 91'].join('\n'),
    squeue: [
      '#!/bin/bash',
      'if [ -z "${FAKE_SQUEUE_WAITS:-}" ]; then echo "91|0|PENDING|0"; exit 0; fi',
      ': > "$FAKE_SLURM/squeue-started"',
      'while [ ! -f "$FAKE_SLURM/squeue-go" ]; do sleep 0.05; done',
    ].join('\n'),
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
  bin = blockingSlurm(work);
  spec = join(work, 'held.ibspec');
  writeFileSync(spec, `${readFileSync(join(REPO, 'specs', 'test', 'tiny-aib-qt.ibspec'), 'utf8').replace(/^name .*$/m, 'name held')}\nsweep {\n  seeds 1\n}\n`);
});

afterAll(() => rmSync(work, { recursive: true, force: true }));

/** `ibc sweep ARGS` in a child process on the stand-in Slurm, with `extraEnv`; its stderr so far, and its end. */
function sweepChild(args: readonly string[], extraEnv: Record<string, string> = {}): { stderr: () => string; closed: Promise<{ code: number | null; signal: NodeJS.Signals | null }>; kill: (s: NodeJS.Signals) => void } {
  const env = { ...process.env, PATH: `${bin}:${process.env['PATH'] ?? ''}`, FAKE_SLURM: work, ...extraEnv };
  const child = spawn(process.execPath, [join(REPO, 'bin', 'ibc.js'), ...args], { cwd: work, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const closed = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) => child.on('close', (code, signal) => done({ code, signal })));
  return { stderr: () => stderr, closed, kill: (signal) => child.kill(signal) };
}

async function waitForFile(file: string): Promise<boolean> {
  for (let i = 0; i < 400 && !existsSync(file); i++) await sleep(50);
  return existsSync(file);
}

describe('signals around the submission of a Slurm sweep', () => {
  it('Ctrl-C while sbatch answers stops following once the job is submitted: the job id, how to follow or cancel it, exit 130', async () => {
    const dir = join(work, 'out');
    const args = ['sweep', spec, '--out', dir, '--launcher', 'slurm', '--poll', '1', '--cpus-per-task', '1'];
    const sweep = sweepChild(args);
    expect(await waitForFile(join(work, 'sbatch-started')), sweep.stderr()).toBe(true);
    // The sweep is waiting for sbatch's answer: the signal lands now, then sbatch answers.
    sweep.kill('SIGINT');
    await sleep(200);
    writeFileSync(join(work, 'sbatch-go'), '');
    const end = await sweep.closed;
    const stderr = sweep.stderr();
    expect(end, stderr).toEqual({ code: 130, signal: null });
    expect(stderr).toContain('slurm: submitted job 91 (1 task(s)');
    expect(stderr).toContain('stopped following (SIGINT): 1 member(s) keep running or queued on the cluster as job 91\n');
    expect(stderr).toContain('cancel them with: scancel 91\n');
    expect(stderr).toContain(`follow them again with: ibc ${args.join(' ')}\n`);
    const manifest = JSON.parse(readFileSync(join(dir, 'sweep.json'), 'utf8')) as SweepManifest;
    expect(manifest.launches[0]?.job).toBe('91');
    expect(manifest.launches[0]!.outcomes).toBeUndefined();
  }, 60_000);

  it('a signal before sbatch runs (while the sweep asks squeue about its last job) submits nothing and says how to resume', async () => {
    const dir = join(work, 'out');
    const args = ['sweep', spec, '--out', dir, '--launcher', 'slurm', '--poll', '1', '--cpus-per-task', '1'];
    // squeue no longer knows job 91, so its member would be submitted again, but the signal comes first.
    const sweep = sweepChild(args, { FAKE_SQUEUE_WAITS: '1' });
    expect(await waitForFile(join(work, 'squeue-started')), sweep.stderr()).toBe(true);
    sweep.kill('SIGTERM');
    await sleep(200);
    writeFileSync(join(work, 'squeue-go'), '');
    const end = await sweep.closed;
    const stderr = sweep.stderr();
    expect(end, stderr).toEqual({ code: 143, signal: null });
    expect(stderr).toContain('sweep stopped by SIGTERM before submitting: 1 member(s) not submitted\n');
    expect(stderr).toContain(`resume with: ibc ${args.join(' ')}\n`);
    expect(stderr).not.toContain('slurm: submitted job');
    expect(readFileSync(join(work, 'sbatch-calls'), 'utf8')).toBe('call\n');
    expect((JSON.parse(readFileSync(join(dir, 'sweep.json'), 'utf8')) as SweepManifest).launches).toHaveLength(1);
  }, 60_000);
});
