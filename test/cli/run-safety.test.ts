/**
 * Nothing lost, nothing mixed (issue 16): one validation of a checkpoint
 * against the model for every reader, resume refusing another run's
 * checkpoint, the run-directory lock, dead writers' temporaries, metrics lines
 * the run does not own, read-only output folders, and exports that refuse
 * broken weights or a failed verification. Every run is tiny (64 images).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { appendFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { readCheckpoint, writeCheckpoint, type Checkpoint, type CheckpointTensor } from '../../src/runtime/runs/checkpoint/index.js';
import { ibc, isCleanOutcome, head } from '../fixtures/cli-run.js';

const SPECS = resolve(__dirname, '../../specs/test');
const TINY = join(SPECS, 'tiny-aib-qt.ibspec');
const FAST = ['--limit-train', '64', '--limit-test', '32', '--backend', 'cpu', '--attention', '0'];

let work: string;
let base: string;
let otherSeed: string;
beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'ibc-run-safety-'));
  base = join(work, 'base');
  otherSeed = join(work, 'seed9');
  const a = await ibc(work, 'train', TINY, '--out', base, '--epochs', '1', ...FAST);
  expect(a.code, head(a)).toBe(0);
  const b = await ibc(work, 'train', TINY, '--out', otherSeed, '--epochs', '1', '--seed', '9', ...FAST);
  expect(b.code, head(b)).toBe(0);
}, 120_000);

/** A fresh copy of the base run to damage. */
function copyOfBase(name: string): string {
  const dir = join(work, name);
  cpSync(base, dir, { recursive: true });
  return dir;
}

function lastCheckpoint(runDir: string): string {
  return join(runDir, 'checkpoints', 'last.ibck');
}

/** Rewrites a run's last checkpoint with a valid checksum after `edit` changed its tensors or metadata. */
function rewrite(runDir: string, edit: (tensors: Map<string, CheckpointTensor>, meta: Record<string, unknown>) => void): void {
  const ck = readCheckpoint(lastCheckpoint(runDir));
  const tensors = new Map(ck.tensors);
  const meta = structuredClone(ck.meta) as Record<string, unknown>;
  edit(tensors, meta);
  const edited: Checkpoint = { tensors, meta };
  writeCheckpoint(lastCheckpoint(runDir), edited);
}

const KERNEL = 'weights/backbone/stage1/conv0/kernel';

describe('a checkpoint that does not fit the model is refused by every reader', () => {
  const damages: readonly [string, (t: Map<string, CheckpointTensor>) => void, RegExp][] = [
    ['half a weight', (t) => t.set(KERNEL, { shape: [36], data: t.get(KERNEL)!.data.slice(0, 36) }), /parameter 'backbone\/stage1\/conv0\/kernel' has 36 values, but the model's \[3, 3, 1, 8\] needs 72/],
    ['a missing weight', (t) => t.delete(KERNEL), /it has no values for the model's parameter 'backbone\/stage1\/conv0\/kernel'/],
    ['an empty weight', (t) => t.set(KERNEL, { shape: [0], data: new Float32Array(0) }), /has 0 values, but the model's \[3, 3, 1, 8\] needs 72/],
    ['an extra weight', (t) => t.set('weights/nowhere/kernel', { shape: [1], data: new Float32Array(1) }), /a parameter 'nowhere\/kernel' that the model does not have/],
  ];
  for (const [what, damage, says] of damages) {
    it(`${what}: --resume, eval, attention, compile --target tfjs and onnx`, async () => {
      const run = copyOfBase(`bad-${what.replace(/ /g, '-')}`);
      rewrite(run, (t) => damage(t));
      const outcomes = [
        await ibc(work, 'train', TINY, '--resume', run, '--epochs', '2', '--backend', 'cpu'),
        await ibc(work, 'eval', run, '--backend', 'cpu'),
        await ibc(work, 'attention', run, '--backend', 'cpu', '--images', '1'),
        await ibc(work, 'compile', TINY, '--target', 'tfjs', '--out', join(run, 'tfjs'), '--weights', run),
        await ibc(work, 'compile', TINY, '--target', 'onnx', '--out', join(run, 'm.onnx'), '--weights', run),
      ];
      for (const r of outcomes) {
        expect(isCleanOutcome(r), head(r)).toBe(true);
        expect(r.code, head(r)).toBe(1);
        expect(r.stderr, head(r)).toMatch(says);
      }
      expect(existsSync(join(run, 'tfjs', 'model.json'))).toBe(false);
      expect(existsSync(join(run, 'm.onnx'))).toBe(false);
    }, 60_000);
  }
});

describe('resume checks the checkpoint against the run', () => {
  it("another seed's checkpoint copied into the run is refused", async () => {
    const run = copyOfBase('mixed-seed');
    cpSync(lastCheckpoint(otherSeed), lastCheckpoint(run));
    const r = await ibc(work, 'train', TINY, '--resume', run, '--epochs', '2', '--backend', 'cpu');
    expect(r.code, head(r)).toBe(1);
    expect(r.stderr).toMatch(/IB6314: cannot resume .*: .*spec-hash\.txt says .*belongs to another run; nothing was started/);
    expect(readFileSync(join(run, 'metrics.jsonl'), 'utf8').trim().split('\n')).toHaveLength(1);
  });

  it('a missing resolved-spec.json is refused', async () => {
    const run = copyOfBase('no-resolved');
    unlinkSync(join(run, 'resolved-spec.json'));
    const r = await ibc(work, 'train', TINY, '--resume', run, '--epochs', '2', '--backend', 'cpu');
    expect(r.code, head(r)).toBe(1);
    expect(r.stderr).toContain('its resolved-spec.json is missing or unreadable');
  });

  it('an altered resolved-spec.json is refused, a changed seed named as such', async () => {
    const run = copyOfBase('altered-resolved');
    const path = join(run, 'resolved-spec.json');
    const spec = JSON.parse(readFileSync(path, 'utf8')) as { train: { seed: number; epochs: number } };
    writeFileSync(path, JSON.stringify({ ...spec, train: { ...spec.train, seed: 7 } }));
    const seed = await ibc(work, 'train', TINY, '--resume', run, '--epochs', '2', '--backend', 'cpu');
    expect(seed.stderr).toMatch(/was trained with seed 1, but the run's resolved-spec\.json says seed 7/);
    writeFileSync(path, JSON.stringify({ ...spec, train: { ...spec.train, epochs: 99 } }));
    const other = await ibc(work, 'train', TINY, '--resume', run, '--epochs', '2', '--backend', 'cpu');
    expect(other.code).toBe(1);
    expect(other.stderr).toMatch(/its resolved-spec\.json hashes to .* not to the checkpoint's .*altered/);
  });

  it('a checkpoint without optimizer state is refused, not resumed with a fresh optimizer', async () => {
    const run = copyOfBase('no-optimizer');
    rewrite(run, (t) => {
      for (const key of [...t.keys()]) if (key.startsWith('optimizer/')) t.delete(key);
    });
    const r = await ibc(work, 'train', TINY, '--resume', run, '--epochs', '2', '--backend', 'cpu');
    expect(r.code, head(r)).toBe(1);
    expect(r.stderr).toMatch(/has no optimizer state \(Adam's moment estimates\) after 2 steps/);
  });

  it('step counts that disagree are refused', async () => {
    const run = copyOfBase('bad-steps');
    rewrite(run, (_t, meta) => {
      meta['step'] = 7;
    });
    const r = await ibc(work, 'train', TINY, '--resume', run, '--epochs', '2', '--backend', 'cpu');
    expect(r.code, head(r)).toBe(1);
    expect(r.stderr).toContain('records 7 training steps but its optimizer has taken 2');
  });
});

describe('one writer per run directory; what dead writers left is cleaned', () => {
  let sleeper: ChildProcess | undefined;
  afterAll(() => {
    sleeper?.kill();
  });

  it('a live lock refuses a second writer; once its process is gone the lock is stale and taken over', async () => {
    const run = copyOfBase('locked');
    sleeper = spawn('sleep', ['120'], { stdio: 'ignore' });
    const pid = sleeper.pid!;
    writeFileSync(join(run, 'run.lock'), JSON.stringify({ pid, host: (await import('node:os')).hostname(), started: '2026-01-01T00:00:00.000Z' }));
    const refused = await ibc(work, 'train', TINY, '--resume', run, '--epochs', '2', '--backend', 'cpu');
    expect(refused.code, head(refused)).toBe(1);
    expect(refused.stderr).toContain(`IB6203: run directory '${run}' is in use by ibc process ${pid}`);
    // Even an explicit --overwrite (without it, IB6205 refuses any run in --out) waits for the lock.
    const fresh = await ibc(work, 'train', TINY, '--out', run, '--overwrite', '--epochs', '1', ...FAST);
    expect(fresh.code).toBe(1);
    expect(fresh.stderr).toContain('IB6203');
    const images = await ibc(work, 'attention', run, '--images', '1', '--backend', 'cpu');
    expect(images.code).toBe(1);
    expect(images.stderr).toContain('IB6203');

    // The dead writer also left a half-written checkpoint and a cut-off metrics row; the user left a note.
    sleeper.kill('SIGKILL');
    await new Promise((done) => sleeper!.once('exit', done));
    const deadPid = spawnSync('true').pid;
    const staleTemporary = `${lastCheckpoint(run)}.tmp-${deadPid}`;
    writeFileSync(staleTemporary, 'half a checkpoint');
    const liveWriter = spawn('sleep', ['120'], { stdio: 'ignore' });
    const liveTemporary = join(run, `summary.json.tmp-${liveWriter.pid!}`);
    writeFileSync(liveTemporary, 'a live process is writing this');
    appendFileSync(join(run, 'metrics.jsonl'), 'note: lr looked high here\n{"epoch":2,"lr":0.0');
    const resumed = await ibc(work, 'train', TINY, '--resume', run, '--epochs', '2', '--backend', 'cpu', '--attention', '0');
    expect(resumed.code, head(resumed)).toBe(0);
    expect(existsSync(join(run, 'run.lock'))).toBe(false);
    expect(existsSync(staleTemporary)).toBe(false);
    expect(existsSync(liveTemporary)).toBe(true);
    liveWriter.kill('SIGKILL');
    unlinkSync(liveTemporary);
    const lines = readFileSync(join(run, 'metrics.jsonl'), 'utf8').trim().split('\n');
    expect(lines).toHaveLength(3);
    expect((JSON.parse(lines[0]!) as { epoch: number }).epoch).toBe(1);
    expect(lines[1]).toBe('note: lr looked high here');
    expect((JSON.parse(lines[2]!) as { epoch: number }).epoch).toBe(2);
  }, 60_000);
});

describe('two trainings at once into the same --out', () => {
  it('one trains, the other is refused; metrics.jsonl holds one run', async () => {
    const out = join(work, 'twice');
    const both = await Promise.all([1, 2].map(() => ibc(work, 'train', TINY, '--out', out, '--epochs', '2', ...FAST)));
    expect(both.map((r) => r.code).sort()).toEqual([0, 1]);
    // Refused by the lock (IB6203), or, should the first have finished already, as a folder holding a run (IB6205).
    expect(both.find((r) => r.code === 1)!.stderr).toMatch(/IB6203|IB6205/);
    const epochs = readFileSync(join(out, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => (JSON.parse(l) as { epoch: number }).epoch);
    expect(epochs).toEqual([1, 2]);
    expect(existsSync(join(out, 'run.lock'))).toBe(false);
  }, 60_000);
});

/** chattr +i (immutable) refuses writes even to root; it needs e2fsprogs and CAP_LINUX_IMMUTABLE. */
function makeImmutable(dir: string): boolean {
  const r = spawnSync('chattr', ['+i', dir]);
  if (r.status === 0) return true;
  const why = `chattr +i is not available here (${r.error?.message ?? r.stderr?.toString().trim()})`;
  if (process.env['CI'] === 'true') throw new Error(`${why}; CI must run the read-only --out test`);
  console.warn(`skipping the read-only --out checks: ${why}`);
  return false;
}

describe('read-only --out locations say what is wrong', () => {
  it('an immutable existing folder and a new folder inside it', async () => {
    const frozen = join(work, 'frozen');
    mkdirSync(frozen);
    if (!makeImmutable(frozen)) return;
    try {
      const into = await ibc(work, 'train', TINY, '--out', frozen, '--epochs', '1', ...FAST);
      expect(isCleanOutcome(into), head(into)).toBe(true);
      expect(into.code).toBe(1);
      expect(into.stderr).toMatch(/IB6204: cannot write the run directory '.*frozen': the operation is not permitted \(the file or folder may be immutable/);
      const below = await ibc(work, 'train', TINY, '--out', join(frozen, 'new', 'run'), '--epochs', '1', ...FAST);
      expect(below.code).toBe(1);
      expect(below.stderr).toMatch(/IB6201: cannot create run directory '.*frozen\/new\/run': '.*frozen' does not take new files: the operation is not permitted/);
    } finally {
      spawnSync('chattr', ['-i', frozen]);
    }
  }, 60_000);
});

describe('exports never leave a broken artifact under the requested name', () => {
  it('non-finite weights are refused for both targets', async () => {
    const run = copyOfBase('nan');
    rewrite(run, (t) => {
      const data = t.get(KERNEL)!.data.slice();
      data[5] = Number.NaN;
      t.set(KERNEL, { shape: [3, 3, 1, 8], data });
    });
    for (const [target, out] of [['onnx', join(run, 'm.onnx')], ['tfjs', join(run, 'tfjs')]] as const) {
      const r = await ibc(work, 'compile', TINY, '--target', target, '--out', out, '--weights', run);
      expect(r.code, head(r)).toBe(1);
      expect(r.stderr).toContain("IB5011: parameter 'backbone/stage1/conv0/kernel' holds NaN (value 5 of 72)");
      expect(existsSync(out)).toBe(false);
    }
  }, 60_000);

  it('an ONNX model that fails --verify is not written', async () => {
    const out = join(work, 'unverified.onnx');
    const r = await ibc(work, 'compile', TINY, '--target', 'onnx', '--out', out, '--weights', base, '--verify', '--tolerance', '1e-30');
    expect(r.code, head(r)).toBe(1);
    expect(r.stderr).toContain('IB5009');
    expect(r.stderr).toContain('nothing was written to');
    expect(existsSync(out)).toBe(false);
  }, 60_000);

  it('a TF.js (GraphModel) export that fails half-way leaves no temporaries and no shards', async () => {
    const out = join(work, 'tfjs-blocked');
    mkdirSync(join(out, 'model.json'), { recursive: true }); // a folder where the file must go: the rename fails
    const r = await ibc(work, 'compile', TINY, '--target', 'tfjs', '--out', out, '--weights', base);
    expect(isCleanOutcome(r), head(r)).toBe(true);
    expect(r.code).toBe(1);
    // The output policy sees the folder before anything is written (IB6801).
    expect(r.stderr).toMatch(/IB6801: the TF\.js GraphModel: '.*model\.json' is a folder where a file is to be written; nothing was written/);
    // Nothing half-made: no temporaries, no weight shards without the model.json that names them.
    expect(readdirSync(out)).toEqual(['model.json']);
    rmSync(out, { recursive: true });
  }, 60_000);
});

describe('divergence', () => {
  it('Adam at lr 1e6 keeps finite numbers but is warned as diverging', async () => {
    const r = await ibc(work, 'train', join(SPECS, 'tiny-adam-explode.ibspec'), '--out', join(work, 'explode'), '--epochs', '1', ...FAST);
    expect(r.code, head(r)).toBe(0);
    expect(r.stderr).toMatch(/warning IB6315: the loss is diverging: [\d.]+e\+\d+ bits at epoch 1, over 100 times the 2\.00 bits of a uniform guess over 4 classes/);
  }, 60_000);
});
