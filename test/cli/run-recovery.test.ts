/**
 * Runs and sweeps recover from wherever they stop (issue 24, cases 7, 8, 10):
 * a run killed after its last checkpoint and before summary.json is finished
 * by --resume (and by a sweep rerun); a run.lock left on another node is taken
 * over once its heartbeat is stale; both training engines refuse a checkpoint
 * with a NaN weight the same way; two `ibc sweep` on one folder lose no
 * launch record and record no failure for members the other finished.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ibc, isCleanOutcome, head } from '../fixtures/cli-run.js';
import { REPO, requireBuiltCli } from '../fixtures/sweep.js';
import { readCheckpoint, writeCheckpoint } from '../../src/runtime/runs/checkpoint/index.js';
import { nativeUnavailableReason } from '../../src/runtime/engine/backends/native/index.js';
import type { SweepManifest } from '../../src/runtime/runs/sweep/manifest.js';

const TINY = resolve(__dirname, '../../specs/test/tiny-aib-qt.ibspec');
const DATA = ['--limit-train', '64', '--limit-test', '32', '--backend', 'cpu'];

let work = '';
let base = '';
beforeAll(async () => {
  requireBuiltCli();
  work = mkdtempSync(join(tmpdir(), 'ibc-recovery-'));
  base = join(work, 'base');
  const r = await ibc(work, 'train', TINY, '--out', base, '--epochs', '1', '--attention', '2', ...DATA);
  expect(r.code, head(r)).toBe(0);
}, 120_000);
afterAll(() => rmSync(work, { recursive: true, force: true }));

function copyOfBase(name: string): string {
  const dir = join(work, name);
  cpSync(base, dir, { recursive: true });
  return dir;
}

const metricRows = (run: string): number => readFileSync(join(run, 'metrics.jsonl'), 'utf8').trim().split('\n').length;

describe('a run killed after its last checkpoint', () => {
  it('--resume finishes it (summary, curves, attention), also when a SIGTERM left its lock on another node', async () => {
    const run = copyOfBase('killed');
    for (const gone of ['summary.json', 'curves.png', 'attention']) rmSync(join(run, gone), { recursive: true });
    // The lock a node killed by SIGTERM leaves: another host, no heartbeat for 20 minutes.
    writeFileSync(join(run, 'run.lock'), JSON.stringify({ pid: 4242, host: 'node-b', started: '2026-01-01T00:00:00.000Z' }));
    const old = new Date(Date.now() - 20 * 60_000);
    utimesSync(join(run, 'run.lock'), old, old);
    const r = await ibc(work, 'train', TINY, '--resume', run, '--attention', '2', '--backend', 'cpu');
    expect(r.code, head(r, 20)).toBe(0);
    expect(r.stderr).toContain('finishing');
    const summary = JSON.parse(readFileSync(join(run, 'summary.json'), 'utf8')) as { epochs: number; test_top1: number };
    const original = JSON.parse(readFileSync(join(base, 'summary.json'), 'utf8')) as { epochs: number; test_top1: number };
    expect([summary.epochs, summary.test_top1]).toEqual([original.epochs, original.test_top1]);
    for (const made of ['curves.png', join('attention', 'grid.png')]) expect(existsSync(join(run, made)), made).toBe(true);
    expect(metricRows(run)).toBe(1);
    expect(existsSync(join(run, 'run.lock'))).toBe(false);
    // Finished now: a second --resume has nothing to do.
    const again = await ibc(work, 'train', TINY, '--resume', run, '--backend', 'cpu');
    expect(again.code).toBe(0);
    expect(again.stderr).toContain('IB6313');
  }, 120_000);
});

describe('a checkpoint with a NaN weight', () => {
  const steps = nativeUnavailableReason() === undefined || process.env['CI'] === 'true' ? ['compiled', 'tfjs'] : ['tfjs'];
  it(`is refused the same way by both training engines (${steps.join(', ')}) and by eval: IB6803, no accuracy, nothing appended`, async () => {
    const run = copyOfBase('nan');
    const path = join(run, 'checkpoints', 'last.ibck');
    const ck = readCheckpoint(path);
    const name = 'weights/backbone/stage1/conv0/kernel';
    const data = ck.tensors.get(name)!.data.slice();
    data[5] = Number.NaN;
    writeCheckpoint(path, { tensors: new Map([...ck.tensors, [name, { shape: [3, 3, 1, 8], data }]]), meta: ck.meta });
    for (const step of steps) {
      const r = await ibc(work, 'train', TINY, '--resume', run, '--epochs', '2', '--backend', step === 'compiled' ? 'ibc-native' : 'cpu', '--step', step);
      expect(isCleanOutcome(r), head(r)).toBe(true);
      expect(r.code, `${step}: ${head(r)}`).toBe(1);
      expect(r.stderr).toContain(`IB6803: checkpoint '${path}' holds NaN in 'backbone/stage1/conv0/kernel' (value 5 of 72)`);
      expect(r.stdout + r.stderr).not.toMatch(/top1|accuracy/i);
      expect(metricRows(run)).toBe(1);
    }
    const evaluated = await ibc(work, 'eval', run, '--backend', 'cpu');
    expect(evaluated.code).toBe(1);
    expect(evaluated.stderr).toContain('IB6803');
    expect(evaluated.stdout).toBe('');
  }, 120_000);
});

/** `ibc sweep` as its own process (two sweeps on one folder are two processes). */
function sweepProcess(args: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolveRun) => {
    const child = spawn(process.execPath, [join(REPO, 'bin', 'ibc.js'), 'sweep', ...args], { cwd: work, env: { ...process.env, NO_COLOR: '1' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => void (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => void (stderr += d.toString()));
    child.on('exit', (code) => resolveRun({ code: code ?? -1, stdout, stderr }));
  });
}

describe('two ibc sweep on one folder', () => {
  it('both finish every member, both launches are recorded, no finished member is recorded as failed; a member killed before its summary is finished by a rerun', async () => {
    const spec = join(work, 'twice.ibspec');
    writeFileSync(spec, `extends ${JSON.stringify(TINY)}\nname twice\nsweep {\n  seeds 2\n}\n`);
    const out = join(work, 'twice');
    const args = [spec, 'train.epochs=1', '--out', out, '--attention', '0', ...DATA];
    // The second starts while the first trains its first member: it finds that member running and the other not started.
    const first = sweepProcess([...args, '--jobs', '1']);
    for (let i = 0; i < 600 && !(existsSync(join(out, 'sweep.json')) && (JSON.parse(readFileSync(join(out, 'sweep.json'), 'utf8')) as SweepManifest).launches.length > 0); i++) {
      await new Promise((r) => setTimeout(r, 100));
    }
    const second = sweepProcess([...args, '--jobs', '1']);
    const [a, b] = await Promise.all([first, second]);
    for (const r of [a, b]) {
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toContain('2 of 2 members finished');
    }
    const manifest = JSON.parse(readFileSync(join(out, 'sweep.json'), 'utf8')) as SweepManifest;
    const launches = manifest.launches.filter((l) => l.members.length > 0);
    expect(launches.length + (a.stderr.includes('0 to start') ? 1 : 0) + (b.stderr.includes('0 to start') ? 1 : 0)).toBe(2);
    for (const launch of launches) for (const outcome of Object.values(launch.outcomes ?? {})) expect(outcome).not.toMatch(/^exited [1-9]/);

    // Killed after its last checkpoint, before summary.json: the next sweep finishes it.
    const member = join(out, manifest.members[0]!.dir);
    rmSync(join(member, 'summary.json'));
    const rerun = await sweepProcess(args);
    expect(rerun.code, rerun.stderr).toBe(0);
    expect(rerun.stderr).toContain('1 to resume');
    expect(rerun.stdout).toContain('2 of 2 members finished');
    expect(existsSync(join(member, 'summary.json'))).toBe(true);
  }, 240_000);
});
