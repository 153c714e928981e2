/** `ibc compile`: both targets, --weights from a run, --verify, and the exit statuses. */
import { copyFileSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import type { CliIO } from '../../src/cli/command.js';
import { main } from '../../src/cli/main.js';
import { onnx } from '../../src/compiler/targets/onnx/proto.js';

const SPECS = resolve(__dirname, '../../specs');
const TINY = join(SPECS, 'test/tiny-aib-qt.ibspec');
const OTHER = join(SPECS, 'test/tiny-sgd-ema.ibspec');
const FASHION = join(SPECS, 'fashion-small-aib-qt.ibspec');

interface Captured {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

let work: string;

async function ibc(...argv: string[]): Promise<Captured> {
  let stdout = '';
  let stderr = '';
  const io: CliIO = { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t), isTTY: false, cwd: work };
  const code = await main(argv, io);
  return { code, stdout, stderr };
}

function metadata(path: string): Map<string, string> {
  const model = onnx.ModelProto.decode(readFileSync(path));
  return new Map(model.metadataProps.map((p) => [p.key!, p.value!]));
}

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'ibc-compile-cli-'));
});

describe('ibc compile', () => {
  it('writes a verified ONNX file with fresh seeded weights', async () => {
    tf.env().set('PROD', false); // test/setup.ts silences TF.js; here the CLI itself must
    const warn = vi.spyOn(console, 'warn');
    const r = await ibc('compile', FASHION, '--target', 'onnx', '--out', 'out/fashion.onnx', '--verify');
    // TF.js's "Hi, looks like you are running TensorFlow.js in Node.js" banner is not printed.
    expect(warn.mock.calls.map((c) => c.join(' ')).filter((t) => t.includes('looks like you are running'))).toEqual([]);
    warn.mockRestore();
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('fresh weights (seed 1)');
    expect(r.stdout).toMatch(/logits\s+batch\s+1\s+max abs/);
    expect(r.stdout).toMatch(/logits\s+batch\s+3\s+max abs/);
    expect(r.stdout).toContain('attention_quantized');
    expect(r.stdout).toContain('verify: ok');
    const props = metadata(join(work, 'out/fashion.onnx'));
    expect(props.get('ibc.spec_name')).toBe('fashion-small-aib-qt');
    expect(props.get('ibc.spec_hash')).toMatch(/^[0-9a-f]{8,}$/);
  });

  it('exits 1 with IB5009 when verification misses the tolerance', async () => {
    const r = await ibc('compile', FASHION, '--target', 'onnx', '--out', 'strict.onnx', '--verify', '--tolerance', '1e-12');
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('verify: FAILED');
    expect(r.stderr).toContain('IB5009');
  });

  it('writes NCHW at an older opset when asked', async () => {
    const r = await ibc('compile', FASHION, '--target', 'onnx', '--out', 'nchw.onnx', '--layout', 'nchw', '--opset', '13', '--verify');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('ONNX opset 13, NCHW');
    expect(metadata(join(work, 'nchw.onnx')).get('ibc.layout')).toBe('nchw');
  });

  it('refuses an opset it cannot write with exit 1 and the IB5001 diagnostic', async () => {
    const r = await ibc('compile', FASHION, '--target', 'onnx', '--out', 'old.onnx', '--opset', '12');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('IB5001');
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(existsSync(join(work, 'old.onnx'))).toBe(false);
  });

  it('writes the TF.js GraphModel folder (tfjs) and ibc\'s runtime folder (ibc-runtime)', async () => {
    const r = await ibc('compile', TINY, '--target', 'tfjs', '--out', 'tfjs-model');
    expect(r.code).toBe(0);
    expect(JSON.parse(readFileSync(join(work, 'tfjs-model/model.json'), 'utf8')).format).toBe('graph-model');
    expect(existsSync(join(work, 'tfjs-model/group1-shard1of1.bin'))).toBe(true);
    const own = await ibc('compile', TINY, '--target', 'ibc-runtime', '--out', 'ibc-model');
    expect(own.code).toBe(0);
    expect(JSON.parse(readFileSync(join(work, 'ibc-model/model.json'), 'utf8')).format).toBe('ibc-tfjs');
    expect(existsSync(join(work, 'ibc-model/weights.bin'))).toBe(true);
  });

  it('exports a training run’s weights and refuses a run of another spec', async () => {
    const run = join(work, 'run');
    const trained = await ibc('train', TINY, '--out', run, '--epochs', '1', '--limit-train', '64', '--limit-test', '32', '--backend', 'cpu', '--attention', '0');
    expect(trained.code, trained.stderr).toBe(0);
    const ok = await ibc('compile', TINY, '--target', 'onnx', '--out', 'trained.onnx', '--weights', run, '--verify');
    expect(ok.stderr).toBe('');
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain('checkpoints/last.ibck');
    expect(ok.stdout).toContain('verify: ok');
    expect(metadata(join(work, 'trained.onnx')).get('ibc.spec_hash')).toBe(readFileSync(join(run, 'spec-hash.txt'), 'utf8').trim());
    const wrong = await ibc('compile', OTHER, '--target', 'onnx', '--out', 'wrong.onnx', '--weights', run);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain('IB5006');
    // Which keys differ, whether they change the model, and what to do instead.
    expect(wrong.stderr).toContain('model.attention.samples.eval 0 -> 2 (changes the model)');
    expect(wrong.stderr).toContain('train.epochs 3 -> 2 (does not change the model)');
    expect(wrong.stderr).toContain(`ibc compile ${run} --target`);
    // An edit that does not change the model: a warning naming it, and the run's weights are used.
    writeFileSync(join(work, 'longer.ibspec'), `extends "${TINY}"\nname tiny-aib-qt\ntrain {\n  epochs 30\n}\n`);
    const longer = await ibc('compile', 'longer.ibspec', '--target', 'onnx', '--out', 'longer.onnx', '--weights', run);
    expect(longer.code, longer.stderr).toBe(0);
    expect(longer.stderr).toContain('warning IB5014');
    expect(longer.stderr).toContain('train.epochs 3 -> 30 (does not change the model)');
    const notRun = await ibc('compile', TINY, '--target', 'onnx', '--out', 'x.onnx', '--weights', work);
    expect(notRun.code).toBe(1);
    expect(notRun.stderr).not.toMatch(/\n\s+at /);

    // --checkpoint best|last|PATH, as eval and attention take it: a RUN_DIR, or a SPEC with --weights.
    const best = await ibc('compile', run, '--checkpoint', 'best', '--target', 'onnx', '--out', 'best.onnx');
    expect(best.code, best.stderr).toBe(0);
    expect(best.stdout).toContain('checkpoints/best.ibck (epoch 1');
    copyFileSync(join(run, 'checkpoints', 'last.ibck'), join(work, 'kept.ibck'));
    const byPath = await ibc('compile', TINY, '--weights', run, '--checkpoint', 'kept.ibck', '--target', 'ibc-runtime', '--out', 'kept');
    expect(byPath.code, byPath.stderr).toBe(0);
    expect(byPath.stdout).toContain(`weights of ${join(work, 'kept.ibck')} (epoch 1)`);
    const other = join(work, 'other-seed');
    expect((await ibc('train', TINY, '--out', other, '--seed', '2', '--epochs', '1', '--limit-train', '32', '--limit-test', '16', '--backend', 'cpu', '--attention', '0')).code).toBe(0);
    const foreign = await ibc('compile', run, '--checkpoint', join(other, 'checkpoints', 'last.ibck'), '--target', 'onnx', '--out', 'foreign.onnx');
    expect(foreign.code).toBe(1);
    expect(foreign.stderr).toContain(`it is not a checkpoint of ${run}`);
    expect(existsSync(join(work, 'foreign.onnx'))).toBe(false);
    const slip = await ibc('compile', run, '--checkpoint', 'bset', '--target', 'onnx', '--out', 'slip.onnx');
    expect(slip.code).toBe(2);
    expect(slip.stderr).toContain('did you mean best?');
    const noRun = await ibc('compile', TINY, '--checkpoint', 'best', '--target', 'onnx', '--out', 'x.onnx');
    expect(noRun.code).toBe(2);
  }, 180_000);

  it('exits 1 with diagnostics for a spec with errors', async () => {
    writeFileSync(join(work, 'bad.ibspec'), 'model {\n  input 28x28x1\n  clases 10\n}\n');
    const r = await ibc('compile', 'bad.ibspec', '--target', 'onnx', '--out', 'bad.onnx');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('bad.ibspec:');
    expect(existsSync(join(work, 'bad.onnx'))).toBe(false);
  });

  it('exits 2 with the usage line for unknown targets, unknown flags and missing arguments', async () => {
    for (const argv of [
      ['compile', FASHION, '--target', 'coreml', '--out', 'x'],
      ['compile', FASHION, '--target', 'onnx', '--out', 'x', '--frobnicate'],
      ['compile', FASHION, '--target', 'onnx'],
      ['compile', '--target', 'onnx', '--out', 'x'],
      ['compile', FASHION, '--target', 'tfjs', '--out', 'x', '--opset', '17'],
      ['compile', FASHION, '--target', 'onnx', '--out', 'x', '--layout', 'nwhc'],
    ]) {
      const r = await ibc(...argv);
      expect(r.code, argv.join(' ')).toBe(2);
      expect(r.stderr).toMatch(/^ibc compile: [^\n]+ \(see 'ibc compile --help'\)\n$/);
    }
  });
});
