import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { createTfjsModel, disposeForward } from '../../../../src/runtime/engine/executor/tfjs-model.js';
import { readTfjsArtifact, writeTfjsArtifact } from '../../../../src/compiler/targets/ibc-runtime/artifact.js';
import { loadModel } from '../../../../src/runtime/index.js';
import { isRunError } from '../../../../src/support/errors.js';
import { randomArray, randomParams, tinyAttentionIr } from '../../../fixtures/tiny-ir.js';
import { compileSpec } from '../../../../src/compiler/compile.js';
import { nodeFileSystem } from '../../../../src/host/file-system.js';
import { initParams } from '../../../../src/runtime/engine/init-params.js';
import { crossEntropyLoss } from '../../../../src/compiler/ir/loss.js';

const meta = { specHash: 'abc123', specName: 'tiny', normalize: { mean: [0.5, 0.5], std: [0.25, 0.25] }, producerVersion: '0.1.0' };
let root: string;

beforeAll(async () => {
  await tf.setBackend('cpu');
  root = mkdtempSync(join(tmpdir(), 'ibc-tfjs-artifact-'));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

function expectRunError(fn: () => unknown, code: string): void {
  try {
    fn();
  } catch (error) {
    expect(isRunError(error)).toBe(true);
    if (isRunError(error)) expect(error.diagnostic.code).toBe(code);
    return;
  }
  throw new Error(`expected a RunError ${code}`);
}

describe('TF.js artifact', () => {
  it('round-trips: write -> loadModel -> predict equals the in-memory deterministic forward', async () => {
    const ir = tinyAttentionIr({ quantize: true, batchNorm: true, dropout: 0.3, resize: true });
    const params = randomParams(ir, 11);
    const dir = join(root, 'roundtrip');
    writeTfjsArtifact(dir, ir, params, meta);
    const json = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
    expect(json.format).toBe('ibc-tfjs');
    expect(json.weightsManifest[0].paths).toEqual(['weights.bin']);
    expect(json.weightsManifest[0].weights).toHaveLength(ir.params.length);
    expect(json.input.normalize).toEqual(meta.normalize);

    const images = randomArray(3 * 6 * 6 * 2, 5);
    const model = createTfjsModel(ir, params);
    const x = tf.tensor4d(images, [3, 6, 6, 2]);
    const out = model.forward(x, { training: false, samples: 0 });
    const expectedLogits = out.logits.dataSync();
    const expectedMap = out.taps.attentionMean!.dataSync();
    const expectedQ = out.taps.attentionQuantized!.dataSync();
    disposeForward(out);
    model.dispose();
    x.dispose();

    const before = tf.memory().numTensors;
    const loaded = await loadModel(dir, { backend: 'cpu' });
    expect(loaded.meta).toEqual(meta);
    const p = await loaded.predict(images, [3, 6, 6, 2]);
    expect(Array.from(p.logits)).toEqual(Array.from(expectedLogits));
    expect(Array.from(p.attention)).toEqual(Array.from(expectedMap));
    expect(Array.from(p.attentionQuantized!)).toEqual(Array.from(expectedQ));
    expect(p.attention).toHaveLength(3 * 3 * 3);
    // The shape can be inferred; sampling is seeded.
    const inferred = await loaded.predict(images);
    expect(Array.from(inferred.logits)).toEqual(Array.from(expectedLogits));
    const s1 = await loaded.predict(images, undefined, { samples: 2, seed: 4 });
    const s2 = await loaded.predict(images, undefined, { samples: 2, seed: 4 });
    expect(Array.from(s1.logits)).toEqual(Array.from(s2.logits));
    expect(s1.attentionQuantized).toHaveLength(3 * 3 * 3);
    await expect(loaded.predict(new Float32Array(7))).rejects.toSatisfy((e: unknown) => isRunError(e) && e.diagnostic.code === 'IB6608');
    loaded.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('round-trips a model compiled from a shipped spec, without source paths in model.json', async () => {
    const ir = compileSpec('specs/fashion-small-aib-qt.ibspec', nodeFileSystem).value!.ir;
    expect(ir.nodes.some((n) => n.origin !== undefined)).toBe(true);
    const params = initParams(ir, 3);
    const dir = join(root, 'fashion');
    writeTfjsArtifact(dir, ir, params, { ...meta, normalize: { mean: [0.286], std: [0.353] } });
    expect(readFileSync(join(dir, 'model.json'), 'utf8')).not.toContain('"origin"');
    const images = randomArray(2 * 28 * 28, 4);
    const model = createTfjsModel(ir, params);
    const x = tf.tensor4d(images, [2, 28, 28, 1]);
    const out = model.forward(x, { training: false, samples: 0 });
    const want = Array.from(out.logits.dataSync());
    disposeForward(out);
    model.dispose();
    x.dispose();
    const loaded = await loadModel(dir, { backend: 'cpu' });
    expect(Array.from((await loaded.predict(images)).logits)).toEqual(want);
    loaded.dispose();
  });

  it('gives a baseline an empty attention array', async () => {
    const ir = tinyAttentionIr();
    const baseline = { ...ir, taps: { logits: ir.taps.logits }, loss: crossEntropyLoss(ir.classes) };
    const dir = join(root, 'baseline');
    writeTfjsArtifact(dir, baseline, randomParams(ir, 3), meta);
    const loaded = await loadModel(dir, { backend: 'cpu' });
    const p = await loaded.predict(randomArray(2 * 72, 1));
    expect(p.logits).toHaveLength(6);
    expect(p.attention).toHaveLength(0);
    expect(p.attentionQuantized).toBeUndefined();
    loaded.dispose();
  });

  it('reads a version-1 model.json (quantization record, IB loss settings, no rate scales) as the IR the builder makes now', () => {
    const ir = { ...tinyAttentionIr({ quantize: true, klForm: 'reference' }), params: tinyAttentionIr({ quantize: true }).params.map((p) => (p.name === 'att/quantize/anchors' ? { ...p, lrScale: 1e-4 } : p)) };
    const dir = join(root, 'version1');
    writeTfjsArtifact(dir, ir, randomParams(ir, 4), meta);
    const v2 = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
    expect(v2.formatVersion).toBe(2);
    // What ibc wrote before the loss became terms: ModelIR.quantization and LossSpec.ib.
    const { loss: _loss, ...irWithoutLoss } = v2.ir;
    const v1 = {
      ...v2,
      formatVersion: 1,
      ir: {
        ...irWithoutLoss,
        params: v2.ir.params.map(({ lrScale: _s, ...p }: { lrScale: number }) => p),
        loss: { classes: ir.classes, ib: { beta: 0.01, klScale: 0.5, klForm: 'reference' } },
        quantization: { anchors: 'att/quantize/anchors', lrScale: 1e-4, vqWeight: 0.4, commitWeight: 0.1 },
      },
    };
    writeFileSync(join(dir, 'model.json'), JSON.stringify(v1));
    const read = readTfjsArtifact(dir);
    expect(read.ir).toEqual(JSON.parse(JSON.stringify(ir)));
    expect(read.ir.loss.terms).toEqual([
      { kind: 'crossEntropy', weight: 1 },
      { kind: 'kl', weight: 0.01 * 0.5, klForm: 'reference' },
      { kind: 'vq', weight: 0.4 },
      { kind: 'commit', weight: 0.1 },
    ]);
    // A version-1 baseline: cross-entropy in nats, every rate scale 1.
    writeFileSync(join(dir, 'model.json'), JSON.stringify({ ...v1, ir: { ...v1.ir, loss: { classes: ir.classes }, quantization: undefined, taps: { logits: ir.taps.logits } } }));
    const baseline = readTfjsArtifact(dir).ir;
    expect(baseline.loss).toEqual(crossEntropyLoss(ir.classes));
    expect(baseline.params.every((p) => p.lrScale === 1)).toBe(true);
  });

  it('an unknown backend is a RunError, not a silent fallback', async () => {
    const ir = tinyAttentionIr();
    const dir = join(root, 'backend');
    writeTfjsArtifact(dir, ir, randomParams(ir, 1), meta);
    await expect(loadModel(dir, { backend: 'no-such-backend' })).rejects.toSatisfy((e: unknown) => isRunError(e) && e.diagnostic.code === 'IB6400');
    await tf.setBackend('cpu');
  });

  it('reports missing and corrupt files as RunErrors with codes', () => {
    const ir = tinyAttentionIr();
    const dir = join(root, 'broken');
    expectRunError(() => readTfjsArtifact(dir), 'IB6600');
    writeTfjsArtifact(dir, ir, randomParams(ir, 2), meta);
    const weights = readFileSync(join(dir, 'weights.bin'));
    const modelJson = readFileSync(join(dir, 'model.json'), 'utf8');

    writeFileSync(join(dir, 'weights.bin'), weights.subarray(0, weights.length - 8));
    expectRunError(() => readTfjsArtifact(dir), 'IB6605');
    const flipped = Buffer.from(weights);
    flipped.writeUInt8(flipped.readUInt8(10) ^ 0xff, 10);
    writeFileSync(join(dir, 'weights.bin'), flipped);
    expectRunError(() => readTfjsArtifact(dir), 'IB6606');
    unlinkSync(join(dir, 'weights.bin'));
    expectRunError(() => readTfjsArtifact(dir), 'IB6604');
    writeFileSync(join(dir, 'weights.bin'), weights);

    writeFileSync(join(dir, 'model.json'), modelJson.slice(0, 100));
    expectRunError(() => readTfjsArtifact(dir), 'IB6602');
    writeFileSync(join(dir, 'model.json'), JSON.stringify({ ...JSON.parse(modelJson), formatVersion: 99 }));
    expectRunError(() => readTfjsArtifact(dir), 'IB6603');
    writeFileSync(join(dir, 'model.json'), JSON.stringify({ ...JSON.parse(modelJson), format: 'keras' }));
    expectRunError(() => readTfjsArtifact(dir), 'IB6602');
    const edited = JSON.parse(modelJson);
    edited.ir.nodes[1].inputs = ['nowhere'];
    writeFileSync(join(dir, 'model.json'), JSON.stringify(edited));
    expectRunError(() => readTfjsArtifact(dir), 'IB6602');
    writeFileSync(join(dir, 'model.json'), modelJson);
    expect(readTfjsArtifact(dir).weights.size).toBe(ir.params.length);
  });
});
