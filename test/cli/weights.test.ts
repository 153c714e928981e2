/**
 * weights="..." end to end: a run's weights exported for PyTorch (--target safetensors)
 * are the trunk of a second run; `ibc check` shows the mapping; training starts from
 * it; summary.json records the file; --resume refuses a changed file.
 */
import { createHash } from 'node:crypto';
import { appendFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { readCheckpoint } from '../../src/runtime/runs/checkpoint/index.js';
import { ibc } from '../fixtures/cli-run.js';

const spec = (backbone: string, optimizer = 'adam lr=0.01') => `model {
  input 12x12x1
  classes 4
  backbone ${backbone}
  attention at=group1 {
    latent 8
    samples train=1 eval=0
  }
}
data synthetic train_count=64 test_count=32
train {
  epochs 1
  batch 32
  optimizer ${optimizer}
  seed 1
}
`;
const TRUNK = 'wrn depth=10 widen=1 dropout=0';
// The default backend: ibc-native's compiled step (TF.js's JavaScript backend takes minutes for a WRN).
const FAST = ['--attention', '0'];

let work = '';
beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'ibc-weights-cli-'));
  writeFileSync(join(work, 'source.ibspec'), spec(TRUNK));
  // A learning rate this small leaves the loaded trunk as it was (BN moving statistics still move).
  writeFileSync(join(work, 'tuned.ibspec'), spec(`${TRUNK} weights="trunk.safetensors"`, 'sgd lr=1e-12 momentum=0'));
  writeFileSync(join(work, 'missing.ibspec'), spec(`${TRUNK} weights="nowhere.pth"`));
});

function checkpointTensor(run: string, name: string): Float32Array {
  return readCheckpoint(join(work, run, 'checkpoints', 'last.ibck')).tensors.get(`weights/${name}`)!.data;
}

describe('weights="..." end to end', () => {
  it('exports a run, checks the export as a trunk, trains from it, records it, and refuses a changed file on --resume', async () => {
    expect((await ibc(work, 'train', 'source.ibspec', '--out', 'source', ...FAST)).code).toBe(0);
    const exported = await ibc(work, 'compile', 'source', '--target', 'safetensors', '--out', 'trunk.safetensors');
    expect(exported.code, exported.stderr).toBe(0);
    expect(exported.stdout).toContain("ibc's documented names");

    const check = await ibc(work, 'check', 'tuned.ibspec');
    expect(check.code, check.stderr).toBe(0);
    expect(check.stderr).toContain('note IB3407: trunk from a safetensors file');
    expect(check.stderr).toContain('weights="trunk.safetensors"');
    const table = await ibc(work, 'check', 'tuned.ibspec', '--weights');
    expect(table.stdout).toMatch(/backbone\/group1\/block0\/conv1\/kernel\s+backbone\.group1\.block0\.conv1\.weight\s+\[16, 16, 3, 3\]\s+OIHW -> HWIO/);
    expect(table.stdout).toContain('not used (not part of the trunk): ');

    const tuned = await ibc(work, 'train', 'tuned.ibspec', '--out', 'tuned', ...FAST);
    expect(tuned.code, tuned.stderr).toBe(0);
    expect(tuned.stderr).toContain('weights: trunk from a safetensors file');
    const kernel = 'backbone/group1/block0/conv1/kernel';
    const from = checkpointTensor('source', kernel);
    checkpointTensor('tuned', kernel).forEach((v, i) => expect(Math.abs(v - from[i]!)).toBeLessThan(1e-6));
    const file = join(work, 'trunk.safetensors');
    const bytes = readFileSync(file);
    const summary = JSON.parse(readFileSync(join(work, 'tuned', 'summary.json'), 'utf8')) as { weights: unknown };
    expect(summary.weights).toEqual({ path: file, size: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') });

    appendFileSync(file, 'x');
    const resumed = await ibc(work, 'train', 'tuned.ibspec', '--resume', 'tuned', '--epochs', '2', ...FAST);
    expect(resumed.code).toBe(1);
    expect(resumed.stderr).toContain('IB6501');
    expect(resumed.stderr).toContain(`is now ${(bytes.length + 1).toLocaleString('en-US')} bytes`);
  });

  it("compiles a SPEC with weights= from its initial weights: the file's trunk, the rest seeded", async () => {
    const c = await ibc(work, 'compile', 'tuned.ibspec', '--target', 'safetensors', '--out', 'initial.safetensors');
    expect(c.code, c.stderr).toBe(0);
    expect(c.stdout).toContain(`fresh weights (seed 1), the trunk from ${join(work, 'trunk.safetensors')}`);
  });

  it('a missing weights file is an error at the weights string, for check and train alike, and train creates nothing', async () => {
    const check = await ibc(work, 'check', 'missing.ibspec');
    expect(check.code).toBe(1);
    expect(check.stderr).toMatch(/missing\.ibspec:4:\d+: error IB3400: cannot use the weights file '.*nowhere\.pth': it does not exist/);
    expect(check.stderr).toContain('^^^^^^^^^^^^^');
    const train = await ibc(work, 'train', 'missing.ibspec', '--out', 'never', ...FAST);
    expect(train.code).toBe(1);
    expect(train.stderr).toContain('IB3400');
    expect(() => readFileSync(join(work, 'never', 'spec.ibspec'))).toThrow();
  });
});
