/**
 * Each IR op exported alone (with the helper ops it needs) as a GraphModel,
 * loaded by plain TF.js (`tf.loadGraphModel`, cpu backend) and compared with
 * the reference interpreter at batch 1 and 3 within 1e-5; refusals (IB5020)
 * and the TF op set checked against TF.js's own op list.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { runReference } from '../../../../src/compiler/reference/interpret.js';
import { exportGraphModel, lowerGraph } from '../../../../src/compiler/targets/tfjs/export.js';
import { GRAPH_MODEL_OPS } from '../../../../src/compiler/targets/tfjs/lowerings.js';
import { TinyIr, randomImages, randomWeights } from '../../../fixtures/onnx.js';
import { allOpsIr, OP_CASES } from '../../../fixtures/graph-model-irs.js';
import { fileHandler, maxAbsDiff, runGraphModel, writeExport } from '../../../fixtures/graph-model.js';

const TOL = 1e-5;
const META = { specName: 'tiny', specHash: 'test' } as const;

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('each IR op as a GraphModel in TF.js matches the reference interpreter', () => {
  for (const c of [...OP_CASES, { name: 'every op in one graph, with attention taps', ir: allOpsIr() }]) {
    it(c.name, async () => {
      const weights = randomWeights(c.ir, 11);
      const result = exportGraphModel(c.ir, weights, { meta: META });
      expect(result.diagnostics).toEqual([]);
      const model = await tf.loadGraphModel(fileHandler(writeExport(result.value!)));
      const outputs = result.value!.outputs;
      for (const batch of [1, 3]) {
        const images = randomImages(batch, c.ir.inputShape, 100 + batch);
        const got = runGraphModel(model, images, [batch, ...c.ir.inputShape], outputs);
        const reference = runReference(c.ir, weights, images, batch, { training: false, samples: 0 }).values;
        const ids = { logits: c.ir.taps.logits, attention: c.ir.taps.attentionMean, attention_quantized: c.ir.taps.attentionQuantized };
        for (const name of outputs) {
          const id = ids[name as keyof typeof ids]!;
          expect(maxAbsDiff(got.get(name)!, reference.get(id)!), `${name} at batch ${batch}`).toBeLessThanOrEqual(TOL);
        }
      }
      model.dispose();
    });
  }
});

describe('what TF.js cannot run is a compile-time diagnostic', () => {
  it('Conv2D with stride and dilation both above 1 is IB5020, naming the layer', () => {
    const t = new TinyIr([9, 9, 2]);
    const conv = t.add('backbone/conv1', 'Conv2D', { filters: 2, kernel: [3, 3], stride: [2, 2], dilation: [2, 2], pads: { top: 2, bottom: 2, left: 2, right: 2 }, bias: false }, ['image']);
    const ir = t.build({ logits: t.add('gap', 'GlobalAvgPool', {}, [conv]) });
    const result = exportGraphModel(ir, randomWeights(ir, 1), { meta: META });
    expect(result.value).toBeUndefined();
    expect(result.diagnostics.map((d) => d.code)).toEqual(['IB5020']);
    expect(result.diagnostics[0]!.message).toContain("layer 'backbone/conv1' (Conv2D)");
    expect(result.diagnostics[0]!.message).toContain('stride 2x2 with dilation 2x2');
  });

  it('missing weights are IB5004 before anything is lowered', () => {
    const ir = allOpsIr();
    const weights = randomWeights(ir, 1);
    weights.delete('conv/kernel');
    expect(lowerGraph(ir, weights).diagnostics.map((d) => d.code)).toEqual(['IB5004']);
  });
});

describe('the emitted graph', () => {
  it("uses only ops TF.js's graph executor maps", async () => {
    // tfjs-converter's op lists: what OperationMapper can turn into executable nodes.
    const lists = ['arithmetic', 'basic_math', 'convolution', 'graph', 'matrices', 'reduction', 'slice_join', 'transformation'];
    const known = new Set<string>();
    for (const list of lists) {
      const mod = (await import(`@tensorflow/tfjs-converter/dist/operations/op_list/${list}.js`)) as { json: ReadonlyArray<{ tfOpName: string }> };
      for (const op of mod.json) known.add(op.tfOpName);
    }
    expect(GRAPH_MODEL_OPS.filter((op) => !known.has(op))).toEqual([]);
    const ir = allOpsIr();
    const ops = exportGraphModel(ir, randomWeights(ir, 1), { meta: META }).value!.ops;
    expect(ops.filter((op) => !known.has(op))).toEqual([]);
  });

  it('shards weights like tensorflowjs_converter and TF.js joins the shards', async () => {
    const ir = allOpsIr();
    const weights = randomWeights(ir, 3);
    const one = exportGraphModel(ir, weights, { meta: META }).value!;
    const sharded = exportGraphModel(ir, weights, { meta: META, shardBytes: 256 }).value!;
    expect(one.shards.map((s) => s.path)).toEqual(['group1-shard1of1.bin']);
    expect(sharded.shards.length).toBeGreaterThan(2);
    expect(sharded.shards.every((s, i) => s.path === `group1-shard${i + 1}of${sharded.shards.length}.bin` && s.bytes.length <= 256)).toBe(true);
    expect(sharded.modelJson.weightsManifest[0]!.paths).toEqual(sharded.shards.map((s) => s.path));
    const images = randomImages(2, ir.inputShape, 5);
    const a = runGraphModel(await tf.loadGraphModel(fileHandler(writeExport(one))), images, [2, ...ir.inputShape], ['logits']);
    const b = runGraphModel(await tf.loadGraphModel(fileHandler(writeExport(sharded))), images, [2, ...ir.inputShape], ['logits']);
    expect(b.get('logits')).toEqual(a.get('logits'));
  });
});
