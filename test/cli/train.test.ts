import { describe, it, expect, beforeAll } from 'vitest';
import { mkdtempSync, readFileSync, existsSync, writeFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { main } from '../../src/cli/main.js';
import type { CliIO } from '../../src/cli/command.js';
import { guardRun } from '../../src/cli/run-errors.js';
import { readCheckpoint } from '../../src/runtime/runs/checkpoint/index.js';
import { loadSpec } from '../../src/compiler/spec/load-spec.js';
import { specHash } from '../../src/compiler/spec/serialize.js';
import { nodeFileSystem } from '../../src/host/file-system.js';

const SPECS = resolve(__dirname, '../../specs/test');
const TINY = join(SPECS, 'tiny-aib-qt.ibspec');
const SGD = join(SPECS, 'tiny-sgd-ema.ibspec');
const FAST = ['--limit-train', '64', '--limit-test', '32', '--backend', 'cpu', '--attention', '2'];

interface Captured {
  code: number;
  stdout: string;
  stderr: string;
}

let work: string;
beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'ibc-train-cli-'));
});

async function ibc(...argv: string[]): Promise<Captured> {
  let stdout = '';
  let stderr = '';
  const io: CliIO = { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t), isTTY: false, cwd: work };
  const code = await main(argv, io);
  return { code, stdout, stderr };
}

function metrics(runDir: string): Record<string, unknown>[] {
  return readFileSync(join(runDir, 'metrics.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>)
    .map(({ seconds: _s, images_per_second: _i, ...rest }) => rest);
}

/** The step log's lines apart from their timings. */
function stepLog(runDir: string): Record<string, unknown>[] {
  return readFileSync(join(runDir, 'metrics-steps.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>)
    .map(({ images_per_second: _i, ...rest }) => rest);
}

function weights(runDir: string): Map<string, Float32Array> {
  const ck = readCheckpoint(join(runDir, 'checkpoints', 'last.ibck'));
  return new Map([...ck.tensors].filter(([k]) => k.startsWith('weights/')).map(([k, t]) => [k, t.data]));
}

describe('ibc train', () => {
  it('writes the run directory: spec copy, resolved spec and hash, metrics, checkpoints, summary, attention images', async () => {
    const out = join(work, 'run-a');
    const r = await ibc('train', TINY, '--out', out, '--epochs', '1', ...FAST);
    expect(r.stderr).toContain('backend: cpu');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/tiny-aib-qt: test top1 \d+\.\d\d%, top5/);
    for (const f of ['spec.ibspec', 'resolved-spec.json', 'spec-hash.txt', 'metrics.jsonl', 'summary.json', 'checkpoints/last.ibck', 'checkpoints/best.ibck', 'attention/grid.png', 'attention/test-00000.png', 'attention/test-00001.png']) {
      expect(existsSync(join(out, f)), f).toBe(true);
    }
    // The run keeps a flattened spec that checks clean on its own and resolves to the run's hash.
    const kept = loadSpec(join(out, 'spec.ibspec'), nodeFileSystem);
    expect(kept.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect(specHash(kept.value!)).toBe(readFileSync(join(out, 'spec-hash.txt'), 'utf8').trim());
    expect(r.stdout).toContain('after 1 epoch,');
    expect(r.stderr).toMatch(/epoch 1: loss \d+\.\d{4} bits, train \d+\.\d\d%, val \d+\.\d\d% \(loss \d+\.\d{4} bits\), test top1/);
    expect(r.stderr).toContain('data: train 64, validation 8, test 32 images'); // --limit-train cuts validation too
    const resolved = JSON.parse(readFileSync(join(out, 'resolved-spec.json'), 'utf8')) as { train: { seed: number; batchSize: number } };
    expect(resolved.train.batchSize).toBe(32);
    expect(readFileSync(join(out, 'spec-hash.txt'), 'utf8').trim()).toMatch(/^[0-9a-f]{16,}$/);
    const rows = readFileSync(join(out, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, number>);
    expect(rows).toHaveLength(1);
    expect(Object.keys(rows[0]!).sort()).toEqual(
      ['epoch', 'lr', 'train_loss_bits', 'train_top1', 'ce_bits', 'kl_bits', 'vq', 'commit', 'val_top1', 'val_ce_bits', 'val_loss_bits', 'val_kl_bits', 'val_vq', 'val_commit', 'test_top1', 'test_top5', 'seconds', 'images_per_second'].sort(),
    );
    // The validation objective is its terms' weighted sum (the tiny spec: beta 0.001, c 1, vq 0.4, commit 0.1).
    const v = rows[0]!;
    expect(v['val_loss_bits']).toBeCloseTo(v['val_ce_bits']! + 0.001 * v['val_kl_bits']! + 0.4 * v['val_vq']! + 0.1 * v['val_commit']!, 4);
    // The step log: 64 images in batches of 32 is 2 steps, fewer than log_every (50): one line at the epoch's end.
    const steps = readFileSync(join(out, 'metrics-steps.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, number>);
    expect(steps.map((l) => [l['step'], l['epoch'], l['epochs'], l['steps']])).toEqual([[2, 1, 1, 2]]);
    expect(steps[0]!['grad_norm']).toBeGreaterThan(0);
    expect(steps[0]!['vq']).toBeGreaterThanOrEqual(0);
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as Record<string, unknown>;
    expect(summary).toMatchObject({ backend: 'cpu', epochs: 1, best_val_epoch: 1 });
    // The run's identity in plain text: run.json when it starts, the same keys in summary.json.
    const identity = { seed: 1, batch: 32, epochs: 1, limit_train: 64, limit_val: 8, limit_test: 32, train_images: 64, val_images: 8, test_images: 32, backend: 'cpu', training_step: 'tfjs', precision: 'fp32', threads: 1, weights: null };
    const { weights: _none, ...inSummary } = identity; // summary.json's weights is the file's fingerprint, absent without one
    expect(summary).toMatchObject(inSummary);
    expect(summary['weights']).toBeUndefined();
    const record = JSON.parse(readFileSync(join(out, 'run.json'), 'utf8')) as Record<string, unknown>;
    expect(record).toEqual({ format: 'ibc-run', version: 1, spec_hash: summary['spec_hash'], ...identity });
    expect((summary['anchors'] as number[]).length).toBe(8);
    expect(summary['param_count']).toBeGreaterThan(1000);
    expect(summary['test_top1']).toBe(rows[0]!['test_top1']);
  });

  it('same seed, identical metrics.jsonl apart from timings; --seed changes them', async () => {
    const a = join(work, 'seed-a');
    const b = join(work, 'seed-b');
    const c = join(work, 'seed-c');
    expect((await ibc('train', TINY, '--out', a, '--epochs', '1', ...FAST)).code).toBe(0);
    expect((await ibc('train', TINY, '--out', b, '--epochs', '1', ...FAST)).code).toBe(0);
    expect((await ibc('train', TINY, '--out', c, '--epochs', '1', '--seed', '7', ...FAST)).code).toBe(0);
    expect(metrics(b)).toEqual(metrics(a));
    expect(metrics(c)).not.toEqual(metrics(a));
    expect(readFileSync(join(c, 'spec-hash.txt'), 'utf8')).not.toBe(readFileSync(join(a, 'spec-hash.txt'), 'utf8'));
  });

  it('an interrupted-then-resumed run matches an uninterrupted one (weights and metrics)', async () => {
    const whole = join(work, 'whole');
    const parts = join(work, 'parts');
    expect((await ibc('train', SGD, '--out', whole, '--epochs', '2', ...FAST)).code).toBe(0);
    expect((await ibc('train', SGD, '--out', parts, '--epochs', '1', ...FAST)).code).toBe(0);
    const resumed = await ibc('train', SGD, '--resume', parts, '--epochs', '2', '--backend', 'cpu', '--attention', '0');
    expect(resumed.code).toBe(0);
    expect(resumed.stderr).toContain('resuming');
    expect(metrics(parts)).toEqual(metrics(whole));
    expect(stepLog(parts)).toEqual(stepLog(whole));
    expect(stepLog(whole).map((l) => l['step'])).toEqual([2, 4]);
    const w = weights(whole);
    const p = weights(parts);
    expect([...p.keys()]).toEqual([...w.keys()]);
    for (const [name, values] of w) {
      const other = p.get(name)!;
      for (let i = 0; i < values.length; i++) expect(Math.abs(values[i]! - other[i]!), name).toBeLessThanOrEqual(1e-6);
    }
    // Nothing left to do: a note, exit 0, metrics untouched.
    const again = await ibc('train', SGD, '--resume', parts, '--backend', 'cpu');
    expect(again.code).toBe(0);
    expect(again.stderr).toContain('IB6313');
    expect(metrics(parts)).toHaveLength(2);
  });

  it('early_stop (set by an override) ends the run, says why in the terminal and summary.json; resuming it trains no further', async () => {
    const out = join(work, 'early');
    // min_delta=1: no epoch after the first can improve val_top1 by more than 1, so patience=1 stops after epoch 2.
    const r = await ibc('train', TINY, 'train.early_stop.patience=1', 'train.early_stop.min_delta=1', '--out', out, '--epochs', '6', ...FAST);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('IB6950');
    expect(metrics(out).map((row) => row['epoch'])).toEqual([1, 2]);
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as Record<string, unknown>;
    expect(summary['epochs']).toBe(2);
    expect(summary['stopped_early']).toMatch(/^early stop after epoch 2: val_top1 did not improve by more than 1 for 1 epoch/);
    const again = await ibc('train', TINY, 'train.early_stop.patience=1', 'train.early_stop.min_delta=1', '--resume', out, '--epochs', '8', '--backend', 'cpu');
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toContain('IB6951');
    expect(metrics(out)).toHaveLength(2);
  });

  it('the trainer flags set their spec keys: --early-stop/--patience/--min-delta stop the run, --log-every, --clip-norm and --warmup-steps act', async () => {
    const out = join(work, 'flags');
    const flags = ['--early-stop', 'val_top1', '--patience', '1', '--min-delta', '1', '--log-every', '1', '--clip-norm', '5', '--warmup-steps', '2'];
    const r = await ibc('train', TINY, ...flags, '--out', out, '--epochs', '6', ...FAST);
    expect(r.code, r.stderr).toBe(0);
    // The same stop as the overrides above give.
    expect(r.stderr).toContain('IB6950');
    expect(metrics(out).map((row) => row['epoch'])).toEqual([1, 2]);
    const resolved = JSON.parse(readFileSync(join(out, 'resolved-spec.json'), 'utf8')) as { train: Record<string, unknown> };
    expect(resolved.train['clip']).toEqual({ norm: 5 });
    expect(resolved.train['warmup']).toEqual({ steps: 2 });
    expect(resolved.train['earlyStop']).toEqual({ metric: 'val_top1', patience: 1, minDelta: 1 });
    // A line per step; the warm-up halves the first step's rate.
    const steps = stepLog(out);
    expect(steps.map((line) => line['step'])).toEqual(steps.map((_, i) => i + 1));
    const rate = steps[1]!['lr'] as number;
    expect(steps[0]!['lr']).toBeCloseTo(rate / 2, 12);
    // A bad value is a usage error, exit 2.
    const bad = await ibc('train', TINY, '--min-delta', '-1', '--out', join(work, 'flags-bad'), ...FAST);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--min-delta expects a number of 0 or more');
  });

  it('resume: a missing or corrupt checkpoint, or a different spec, is a clear error and never a fresh start', async () => {
    const empty = join(work, 'empty-run');
    await ibc('train', TINY, '--out', empty, '--epochs', '1', ...FAST);
    const missing = join(work, 'not-a-run');
    const r1 = await ibc('train', TINY, '--resume', missing, '--backend', 'cpu');
    expect(r1.code).toBe(1);
    expect(r1.stderr).toContain('IB6301');

    const noCkpt = join(work, 'no-ckpt');
    (await import('node:fs')).mkdirSync(noCkpt);
    const r2 = await ibc('train', TINY, '--resume', noCkpt, '--backend', 'cpu');
    expect(r2.code).toBe(1);
    expect(r2.stderr).toContain('IB6310');
    expect(readdirSync(noCkpt)).toEqual([]);

    // A resume on other settings than the run's (run.json) is refused, located at the first, with the way back.
    const r5 = await ibc('train', TINY, '--resume', empty, '--seed', '9', '--limit-test', '16', '--backend', 'cpu');
    expect(r5.code).toBe(1);
    expect(r5.stderr).toContain(`${join(empty, 'run.json')}:10:3: error IB6900: cannot resume '${empty}': it differs from what the run started with (limit_test 32 -> 16, seed 1 -> 9)`);
    expect(r5.stderr).toContain('Ways out: resume with --limit-test 32 --seed 1 (or without those options');

    const r3 = await ibc('train', join(SPECS, 'tiny-diverge.ibspec'), '--resume', empty, '--backend', 'cpu');
    expect(r3.code).toBe(1);
    expect(r3.stderr).toContain('IB6312');
    // What differs, and the run's own (flattened) spec as the way to resume.
    expect(r3.stderr).toContain('(name "tiny-aib-qt" -> "tiny-diverge" (does not change the model); train.optimizer "adam" -> "sgd" (does not change the model); ');
    expect(r3.stderr).toContain(`ibc train ${join(empty, 'spec.ibspec')} --resume ${empty}`);

    const last = join(empty, 'checkpoints', 'last.ibck');
    const bytes = readFileSync(last);
    bytes.writeUInt8(bytes.readUInt8(bytes.length - 3) ^ 0xff, bytes.length - 3);
    writeFileSync(last, bytes);
    const r4 = await ibc('train', TINY, '--resume', empty, '--backend', 'cpu');
    expect(r4.code).toBe(1);
    expect(r4.stderr).toContain('IB6311');
    expect(r4.stderr).not.toMatch(/at .*\.ts:\d+/); // no stack trace
  });

  it('a diverging loss stops with epoch and step named, exit 1, and keeps the last good checkpoint', async () => {
    const out = join(work, 'diverge');
    const r = await ibc('train', join(SPECS, 'tiny-diverge.ibspec'), '--out', out, ...FAST);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/IB6300.*at epoch 2, step \d+/);
    expect(r.stderr).toContain(join(out, 'checkpoints', 'last.ibck'));
    const ck = readCheckpoint(join(out, 'checkpoints', 'last.ibck'));
    expect((ck.meta as { epoch: number }).epoch).toBe(1);
    for (const [, t] of ck.tensors) expect(t.data.every((v) => Number.isFinite(v))).toBe(true);
  });

  it('a missing data file: exit 1, the message names the file and underlines its path in the spec; no run directory is left', async () => {
    const out = join(work, 'no-data');
    const r = await ibc('train', join(SPECS, 'missing-data.ibspec'), '--out', out, '--backend', 'cpu');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/missing-data\.ibspec:7:16: error IB6000: .*no-such-folder\/train-images-idx3-ubyte\.gz' does not exist/);
    // The path, not the whole data block: `"no-such-folder/train-images-idx3-ubyte.gz"` is 43 characters.
    expect(r.stderr).toContain(`\n    |                ${'^'.repeat(43)}\n`);
    expect(existsSync(out)).toBe(false);
  });

  it('usage errors exit 2', async () => {
    expect((await ibc('train')).code).toBe(2);
    expect((await ibc('train', TINY, '--epochs', '0')).code).toBe(2);
    expect((await ibc('train', TINY, '--epochs', 'two')).code).toBe(2);
    const b = await ibc('train', TINY, '--backend', 'tpu');
    expect(b.code).toBe(2);
    expect(b.stderr).toContain('auto, cpu, ibc-native');
    expect((await ibc('train', TINY, '--bogus')).code).toBe(2);
    expect((await ibc('train', TINY, '--out', 'x', '--resume', 'y')).code).toBe(2);
    const negative = await ibc('train', TINY, '--epochs', '-1');
    expect(negative.stderr).toBe("ibc train: --epochs expects a whole number of at least 1, got '-1' (negative numbers are not allowed) (see 'ibc train --help')\n");
  });

  it('--step compiled where it cannot run (the cpu backend) is IB6403, exit 1, and leaves no run directory', async () => {
    const out = join(work, 'step-compiled-on-cpu');
    const r = await ibc('train', TINY, '--backend', 'cpu', '--step', 'compiled', '--out', out);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('IB6403');
    expect(r.stderr).toContain('the backend is cpu');
    expect(existsSync(out)).toBe(false);
    expect((await ibc('train', TINY, '--step', 'jit')).code).toBe(2);
  });

  it('an unavailable backend asked for by name is an error, not a silent fallback', async () => {
    const r = await ibc('train', TINY, '--backend', 'tensorflow', '--out', join(work, 'tf'));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('IB6400');
    expect(r.stderr).toContain('@tensorflow/tfjs-node');
  });
});

describe('runs are never destroyed, and are self-contained', () => {
  it('refuses a run directory that holds a run, naming the ways out; --overwrite replaces it', async () => {
    const out = join(work, 'kept');
    expect((await ibc('train', SGD, '--out', out, '--epochs', '1', ...FAST)).code).toBe(0);
    const before = readFileSync(join(out, 'metrics.jsonl'), 'utf8');
    const again = await ibc('train', SGD, '--out', out, '--epochs', '1', ...FAST);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('IB6205');
    for (const wayOut of [`--resume ${out}`, 'a new --out', '--overwrite']) expect(again.stderr).toContain(wayOut);
    expect(readFileSync(join(out, 'metrics.jsonl'), 'utf8')).toBe(before);

    writeFileSync(join(out, 'notes.txt'), 'mine');
    const replaced = await ibc('train', SGD, '--out', out, '--epochs', '1', '--overwrite', ...FAST, '--seed', '5');
    expect(replaced.code, replaced.stderr).toBe(0);
    expect(readFileSync(join(out, 'notes.txt'), 'utf8')).toBe('mine'); // only what a run writes is replaced
    expect(JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'))).toMatchObject({ seed: 5 });

    const other = join(work, 'not-a-run');
    (await import('node:fs')).mkdirSync(other, { recursive: true });
    writeFileSync(join(other, 'data.csv'), '1,2\n');
    const refused = await ibc('train', SGD, '--out', other, '--overwrite', ...FAST);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('IB6206');
    expect(readdirSync(other)).toEqual(['data.csv']);
  });

  it('the default --out is a new folder each time', async () => {
    const a = await ibc('train', TINY, '--epochs', '1', ...FAST, '--attention', '0');
    const b = await ibc('train', TINY, '--epochs', '1', ...FAST, '--attention', '0');
    const dirOf = (s: string) => /run directory: (.*)\n$/.exec(s)![1]!;
    expect(dirOf(a.stdout)).not.toBe(dirOf(b.stdout));
    expect(dirOf(a.stdout).startsWith(join(work, 'runs', 'tiny-aib-qt-'))).toBe(true);
  });

  it('a spec that extends another: the run keeps one flattened spec; check, eval and compile need only the run', async () => {
    const out = join(work, 'flat');
    expect((await ibc('train', SGD, '--out', out, '--epochs', '1', ...FAST)).code).toBe(0);
    const text = readFileSync(join(out, 'spec.ibspec'), 'utf8');
    expect(text).not.toMatch(/^extends/m);
    const check = await ibc('check', join(out, 'spec.ibspec'));
    expect(check.stderr).toBe('');
    expect(check.code).toBe(0);
    const e = await ibc('eval', out, '--format', 'json', '--backend', 'cpu');
    expect(e.code).toBe(0);
    expect(JSON.parse(e.stdout)).toMatchObject({ name: 'tiny-sgd-ema', checkpoint: 'last', epoch: 1, samples: 2, count: 32 });
    const c = await ibc('compile', out, '--target', 'onnx', '--out', join(work, 'flat.onnx'));
    expect(c.stderr).toBe('');
    expect(c.code).toBe(0);
    expect(c.stdout).toContain('EMA-averaged');
    const json = await ibc('compile', join(out, 'resolved-spec.json'), '--target', 'onnx', '--out', join(work, 'x.onnx'));
    expect(json.code).toBe(1);
    expect(json.stderr).toContain('IB5013');
    expect(json.stderr.match(/error/g)).toHaveLength(1 + 1); // one diagnostic: its header line and the summary line
  });
});

describe('ibc eval and ibc attention', () => {
  it('evaluate a run and regenerate attention maps for other test images', async () => {
    const out = join(work, 'run-eval');
    expect((await ibc('train', TINY, '--out', out, '--epochs', '1', ...FAST)).code).toBe(0);
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as { test_top1: number };
    const e = await ibc('eval', out, '--backend', 'cpu');
    expect(e.code).toBe(0);
    expect(e.stdout).toContain(`test top1 ${(100 * summary.test_top1).toFixed(2)}%`);
    const best = await ibc('eval', out, '--checkpoint', 'best', '--samples', '2', '--backend', 'cpu');
    expect(best.code).toBe(0);
    expect(best.stdout).toContain('2 samples');
    const a = await ibc('attention', out, '--images', '3', '--offset', '5', '--backend', 'cpu');
    expect(a.code).toBe(0);
    // Files named by test-set index; the end-of-training images (0..19) are gone, not mixed in.
    expect(readdirSync(join(out, 'attention')).sort()).toEqual(['grid.png', 'grid.svg', 'test-00005.png', 'test-00005.svg', 'test-00006.png', 'test-00006.svg', 'test-00007.png', 'test-00007.svg']);
    const own = join(work, 'own-folder');
    expect((await ibc('attention', out, '--images', '1', '--out', own, '--backend', 'cpu')).code).toBe(0);
    expect(readdirSync(own).sort()).toEqual(['grid.png', 'grid.svg', 'test-00000.png', 'test-00000.svg']);
    // Chosen images, an auto scale (said on the figure), maps over the input; the SVG is the PNG's source, text as text.
    const chosen = join(work, 'chosen');
    const picked = await ibc('attention', out, '--indices', '9,3,17', '--scale', 'auto', '--overlay', '--out', chosen, '--backend', 'cpu');
    expect(picked.code, picked.stderr).toBe(0);
    expect(picked.stdout).toContain('attention maps of test images 9, 3, 17');
    expect(readdirSync(chosen).filter((f) => f.endsWith('.png')).sort()).toEqual(['grid.png', 'test-00003.png', 'test-00009.png', 'test-00017.png']);
    const grid = readFileSync(join(chosen, 'grid.svg'), 'utf8');
    expect(grid).toContain('AUTO scale stretched');
    expect(grid).toContain('>auto scale</text>');
    expect(grid).toContain('Maps drawn over the input');
    expect(grid.indexOf('test image #9')).toBeLessThan(grid.indexOf('test image #3'));
    // Misclassified only: every panel marked wrong by its symbol.
    const wrong = join(work, 'wrong');
    const errors = await ibc('attention', out, '--errors', '--images', '2', '--out', wrong, '--backend', 'cpu');
    expect(errors.code, errors.stderr).toBe(0);
    const errorGrid = readFileSync(join(wrong, 'grid.svg'), 'utf8');
    const marks = errorGrid.match(/>[✓✗] predicted/g) ?? [];
    expect(marks.length).toBeGreaterThan(0);
    expect(marks.every((m) => m.startsWith('>✗'))).toBe(true);
    expect(errorGrid).toContain('misclassified test images');
    expect((await ibc('attention', out, '--indices', '3', '--offset', '1')).code).toBe(2);
    expect((await ibc('attention', out, '--indices', '3,x')).code).toBe(2);
    expect((await ibc('attention', out, '--scale', 'stretch')).code).toBe(2);
    const past = await ibc('attention', out, '--indices', '3,100000', '--out', join(work, 'past'), '--backend', 'cpu');
    expect(past.code).toBe(2);
    expect(past.stderr).toContain('--indices 100000 is past the end of the test set');
    expect((await ibc('eval', join(work, 'nothing-here'))).code).toBe(1);
    expect((await ibc('eval', out, '--checkpoint', 'worst')).code).toBe(2);
  });
});

describe('run errors', () => {
  it('anything but a RunError is reported as a bug, exit 70', async () => {
    let err = '';
    const io: CliIO = { stdout: () => undefined, stderr: (t) => void (err += t), isTTY: false, cwd: '/' };
    const code = await guardRun(io, 'train', async () => {
      throw new TypeError('boom');
    });
    expect(code).toBe(70);
    expect(err).toContain('internal error');
    expect(err).toContain('please report');
  });
});
