/**
 * `ibc sweep` (local launcher) interrupted with real signals (issue 21): the first Ctrl-C or
 * SIGTERM is passed on once to the running worker, which stops after its step with a
 * checkpoint; no new member starts; sweep.json records each member's outcome; one summary line
 * and the exact command that resumes the sweep; exit 130/143. Running that command finishes the
 * sweep. Two signals stop the worker at once, leaving its last good checkpoint.
 * A two-member sweep of a tiny model, one worker; an epoch of 4096 images takes a few seconds, so a
 * signal sent once the first member logs epoch 1 lands inside its epoch 2. The two-signal case
 * trains on batches of 8192 images, so that each step takes a good part of a second: both signals
 * reach the worker inside one step, never one before and one after its checkpoint and exit (with
 * the tiny batches of 32, a step of 3 ms, a loaded machine could let the worker finish its step,
 * save and end between the two, and the second would find no one).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readCheckpoint } from '../../src/runtime/runs/checkpoint/index.js';
import type { SweepManifest } from '../../src/runtime/runs/sweep/manifest.js';
import { ibc, REPO, requireBuiltCli } from '../fixtures/sweep.js';

let work: string;
const ARGS = ['sweep', 'two.ibspec', 'train.epochs=2', '--backend', 'ibc-native', '--attention', '0', '--jobs', '1'];
/** The same sweep on 22400 training images in steps of 8192 (and a last, smaller one): steps long enough for two signals to land inside one. */
const LONG_STEPS = ['sweep', 'long-steps.ibspec', 'train.epochs=2', 'train.batch=8192', '--backend', 'ibc-native', '--attention', '0', '--jobs', '1'];

beforeAll(() => {
  requireBuiltCli();
  work = mkdtempSync(join(tmpdir(), 'ibc-sweep-interrupts-'));
  const tiny = readFileSync(join(REPO, 'specs', 'test', 'tiny-aib-qt.ibspec'), 'utf8').replace('train_count=512 test_count=256', 'train_count=4096 test_count=64');
  writeFileSync(join(work, 'two.ibspec'), `${tiny.replace(/^name .*$/m, 'name two')}\nsweep {\n  seeds 2\n}\n`);
  const large = tiny.replace('train_count=4096', 'train_count=25600');
  writeFileSync(join(work, 'long-steps.ibspec'), `${large.replace(/^name .*$/m, 'name two')}\nsweep {\n  seeds 2\n}\n`);
});

const manifest = (out: string): SweepManifest => JSON.parse(readFileSync(join(work, out, 'sweep.json'), 'utf8')) as SweepManifest;
const firstLog = (out: string): string => {
  const file = join(work, out, 'logs', 'two--seed=1.log');
  return existsSync(file) ? readFileSync(file, 'utf8') : '';
};

/** `ibc sweep ... --out OUT` in a child process; `signals` go to the sweep process together once the first member logs epoch 1. */
function sweepInterrupted(out: string, signals: readonly NodeJS.Signals[], args: readonly string[] = ARGS): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [join(REPO, 'bin', 'ibc.js'), ...args, '--out', out], { cwd: work, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const poll = setInterval(() => {
      if (/^epoch 1: /m.test(firstLog(out))) {
        clearInterval(poll);
        for (const signal of signals) child.kill(signal);
      }
    }, 20);
    child.on('error', fail);
    child.on('close', (code) => {
      clearInterval(poll);
      done({ code, stdout, stderr });
    });
  });
}

describe('interrupting ibc sweep (local launcher)', () => {
  it('Ctrl-C: the worker saves and stops, the next member never starts, outcomes recorded, the resume command finishes the sweep', async () => {
    const r = await sweepInterrupted('s', ['SIGINT']);
    expect(r.code, r.stderr).toBe(130);
    expect(r.stderr).toContain('SIGINT received: stopping 1 running member(s) after their current step, each with a checkpoint; no new member starts');
    expect(r.stderr).toContain('interrupted (SIGINT, exit 130; the sweep run again resumes it): two--seed=1');
    expect(r.stderr).not.toContain('two--seed=2 (log:');
    expect(r.stderr).toContain('sweep stopped by SIGINT: of 2 member(s) launched, 0 finished, 1 stopped with a checkpoint, 1 not started\n');
    const resume = `resume with: ibc ${ARGS.join(' ')} --out s\n`;
    expect(r.stderr).toContain(resume);
    expect(r.stdout).toContain('0 of 2 members finished');
    expect(firstLog('s')).toMatch(/stopped by SIGINT in epoch 2 after batch \d+/);
    expect(manifest('s').launches[0]!.outcomes).toEqual({ 'two--seed=1': 'stopped by SIGINT (exit 130); resumes from its checkpoint', 'two--seed=2': 'not started (SIGINT)' });
    const member = join(work, 's', 'two--seed=1');
    expect(existsSync(join(member, 'run.lock'))).toBe(false);
    expect((readCheckpoint(join(member, 'checkpoints', 'last.ibck')).meta as { inEpoch?: unknown }).inEpoch).toBeDefined();
    expect(existsSync(join(work, 's', 'two--seed=2', 'checkpoints'))).toBe(false);

    // The printed command, as the user would run it.
    const again = await ibc(work, ...ARGS, '--out', 's');
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toContain('2 members: 0 finished, 1 to start, 1 to resume');
    expect(again.stdout).toContain('2 of 2 members finished');
    expect(firstLog('s')).toMatch(/resuming .* at epoch 2 of 2, after batch \d+/);
  }, 180_000);

  it('a second signal stops the worker at once: its last good checkpoint stays, no lock, the first signal’s exit status', async () => {
    // Two different signals (the same one twice may be merged while pending); the kernel may deliver either first.
    const r = await sweepInterrupted('f', ['SIGTERM', 'SIGINT'], LONG_STEPS);
    const order = /^(SIGINT|SIGTERM) received: stopping 1 running member[\s\S]*^(SIGINT|SIGTERM), a second signal: stopping the running member\(s\) at once; each keeps its last good checkpoint$/m.exec(r.stderr);
    expect(order, r.stderr).not.toBeNull();
    const first = order![1]!;
    expect(order![2]).not.toBe(first);
    expect(r.code, r.stderr).toBe(first === 'SIGINT' ? 130 : 143);
    expect(r.stderr).toContain(`sweep stopped by ${first}: of 2 member(s) launched, 0 finished, 1 stopped with a checkpoint, 1 not started\n`);
    expect(firstLog('f')).toMatch(/a second signal: stopped at once/);
    const member = join(work, 'f', 'two--seed=1');
    expect(existsSync(join(member, 'run.lock'))).toBe(false);
    expect((readCheckpoint(join(member, 'checkpoints', 'last.ibck')).meta as { epoch: number }).epoch).toBeGreaterThanOrEqual(1);
  }, 120_000);
});
