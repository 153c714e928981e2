/**
 * Shipped specs as GraphModels: loaded with plain `tf.loadGraphModel` in Node
 * (cpu backend) and compared with the reference interpreter and with the ONNX
 * export (onnxruntime-node) on the same weights at batch 1 and 4: logits and
 * attention maps within 1e-4. Weights: seeded He-scale values with batch-norm
 * statistics calibrated on a batch, so activations have a trained model's
 * scale (see test/fixtures/onnx.ts). A VGG-16 backbone on a small input is
 * compared with the ONNX export only (the reference interpreter is too slow
 * for it on two cores). Every shipped spec must lower to TF ops TF.js runs,
 * without diagnostics.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { compileResolved } from '../../../../src/compiler/compile.js';
import type { ModelIR } from '../../../../src/compiler/ir/ir.js';
import { runReference } from '../../../../src/compiler/reference/interpret.js';
import { exportGraphModel, lowerGraph } from '../../../../src/compiler/targets/tfjs/export.js';
import { exportOnnx } from '../../../../src/compiler/targets/onnx/export.js';
import { calibrateBatchNorm, randomImages, runOnnx, scaledWeights } from '../../../fixtures/onnx.js';
import { compileFile, fileHandler, maxAbsDiff, runGraphModel, SPECS, writeExport } from '../../../fixtures/graph-model.js';
import { withoutMapSize } from '../../../fixtures/resolved-spec.js';

const TOL = 1e-4;
const BATCHES = [1, 4] as const;
const PARITY_SPECS = ['test/tiny-aib-qt.ibspec', 'fashion-small-baseline.ibspec', 'fashion-small-aib.ibspec', 'fashion-small-aib-qt.ibspec'];

beforeAll(async () => {
  await tf.setBackend('cpu');
});

function tapIds(ir: ModelIR): Record<string, string | undefined> {
  return { logits: ir.taps.logits, attention: ir.taps.attentionMean, attention_quantized: ir.taps.attentionQuantized };
}

describe('GraphModel in TF.js = reference interpreter = ONNX export, at batch 1 and 4', () => {
  for (const file of PARITY_SPECS) {
    it(file, async () => {
      const { spec, ir } = compileFile(join(SPECS, file));
      const weights = calibrateBatchNorm(ir, scaledWeights(ir, spec.train.seed), randomImages(4, ir.inputShape, 99), 4);
      const exported = exportGraphModel(ir, weights, { meta: { specName: spec.name, specHash: 'test', normalize: spec.data.normalize } });
      expect(exported.diagnostics).toEqual([]);
      const onnx = exportOnnx(ir, weights, { meta: { specName: spec.name, specHash: 'test' } });
      expect(onnx.diagnostics).toEqual([]);
      const model = await tf.loadGraphModel(fileHandler(writeExport(exported.value!)));
      expect(model.inputs.map((i) => [i.name, i.shape])).toEqual([['image', [-1, ...ir.inputShape]]]);
      const outputs = exported.value!.outputs;
      expect(outputs).toEqual(['logits', ...(ir.taps.attentionMean ? ['attention'] : []), ...(ir.taps.attentionQuantized ? ['attention_quantized'] : [])]);
      const ids = tapIds(ir);
      for (const batch of BATCHES) {
        const images = randomImages(batch, ir.inputShape, 7 + batch);
        const got = runGraphModel(model, images, [batch, ...ir.inputShape], outputs);
        const reference = runReference(ir, weights, images, batch, { training: false, samples: 0 }).values;
        const fromOnnx = await runOnnx(onnx.value!.bytes, images, [batch, ...ir.inputShape]);
        for (const name of outputs) {
          const value = got.get(name)!;
          expect(value.length).toBe(batch * (name === 'logits' ? ir.classes : ir.nodes.find((n) => n.id === ids[name])!.shape.reduce((a, b) => a * b, 1)));
          expect(maxAbsDiff(value, reference.get(ids[name]!)!), `${name} vs reference at batch ${batch}`).toBeLessThanOrEqual(TOL);
          expect(maxAbsDiff(value, fromOnnx[name]!.data), `${name} vs ONNX at batch ${batch}`).toBeLessThanOrEqual(TOL);
        }
      }
      model.dispose();
    });
  }
});

/** A shipped spec on a smaller input (the architecture kept; the map-size check dropped with model.input), as test/compiler/targets/onnx/models.test.ts runs them. */
function shrunk(file: string, input: readonly [number, number, number]): { spec: ReturnType<typeof compileFile>['spec']; ir: ModelIR } {
  const { spec } = compileFile(join(SPECS, file));
  const attention = spec.model.attention;
  const built = compileResolved({ ...spec, model: { ...spec.model, input, ...(attention ? { attention: withoutMapSize(attention) } : {}) } });
  expect(built.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  return built.value!;
}

describe('a big backbone (VGG-16 with attention, 24M parameters, 93 MB in 4 MB shards) as a GraphModel = the ONNX export', () => {
  it('cub-vgg16-aib-qt at 32x32, batch 1 and 3', async () => {
    const { spec, ir } = shrunk('cub-vgg16-aib-qt.ibspec', [32, 32, 3]);
    const weights = calibrateBatchNorm(ir, scaledWeights(ir, spec.train.seed), randomImages(4, ir.inputShape, 99), 4);
    const exported = exportGraphModel(ir, weights, { meta: { specName: spec.name, specHash: 'test' } });
    expect(exported.diagnostics).toEqual([]);
    expect(exported.value!.shards.length).toBe(24);
    const onnx = exportOnnx(ir, weights, { meta: { specName: spec.name, specHash: 'test' } });
    const model = await tf.loadGraphModel(fileHandler(writeExport(exported.value!)));
    const outputs = exported.value!.outputs;
    expect(outputs).toEqual(['logits', 'attention', 'attention_quantized']);
    for (const batch of [1, 3]) {
      const images = randomImages(batch, ir.inputShape, 17 + batch);
      const got = runGraphModel(model, images, [batch, ...ir.inputShape], outputs);
      const fromOnnx = await runOnnx(onnx.value!.bytes, images, [batch, ...ir.inputShape]);
      for (const name of outputs) expect(maxAbsDiff(got.get(name)!, fromOnnx[name]!.data), `${name} at batch ${batch}`).toBeLessThanOrEqual(TOL);
    }
    model.dispose();
  });
});

describe('every shipped spec lowers to TF ops TF.js runs', () => {
  const files = readdirSync(SPECS).filter((f) => f.endsWith('.ibspec')).sort();
  it.each(files)('%s', (file) => {
    const { ir } = compileFile(join(SPECS, file));
    // Shape-correct zeros (one buffer per size): the lowering only needs values to fold batch norms.
    const zeros = new Map<number, Float32Array>();
    const weights = new Map<string, Float32Array>();
    for (const p of ir.params) {
      const n = p.shape.reduce((a, b) => a * b, 1);
      if (!zeros.has(n)) zeros.set(n, new Float32Array(n));
      weights.set(p.name, zeros.get(n)!);
    }
    const lowered = lowerGraph(ir, weights);
    expect(lowered.diagnostics).toEqual([]);
    expect(lowered.value!.taps.map(([name]) => name)).toContain('logits');
  });
});
