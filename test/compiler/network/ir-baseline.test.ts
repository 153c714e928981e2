/**
 * The IR of fashion-small-aib-qt, node by node: ids, ops, inputs and shapes. Node and parameter
 * names are a contract (targets name their nodes after them, checkpoints store parameters by
 * them), so a change here must be deliberate.
 */
import { expect, it } from 'vitest';
import { buildModel } from '../../../src/compiler/network/build-model.js';
import { REFERENCE_ARCHITECTURES } from '../../fixtures/reference-architectures.js';

const EXPECTED_NODES = [
  'image Input  28x28x1',
  'backbone/stage1/conv0 Conv2D image 28x28x8',
  'backbone/stage1/bn0 BatchNorm backbone/stage1/conv0 28x28x8',
  'backbone/stage1/relu0 Activation backbone/stage1/bn0 28x28x8',
  'backbone/stage1/maxpool0 MaxPool backbone/stage1/relu0 14x14x8',
  'backbone/stage2/conv0 Conv2D backbone/stage1/maxpool0 14x14x16',
  'backbone/stage2/bn0 BatchNorm backbone/stage2/conv0 14x14x16',
  'backbone/stage2/relu0 Activation backbone/stage2/bn0 14x14x16',
  'backbone/stage2/maxpool0 MaxPool backbone/stage2/relu0 7x7x16',
  'attention/head/conv0 Conv2D backbone/stage2/maxpool0 7x7x1',
  'attention/mean Activation attention/head/conv0 7x7x1',
  'attention/std_head/conv Conv2D attention/mean 7x7x1',
  'attention/std ShiftedSoftplus attention/std_head/conv 7x7x1',
  'attention/sample Sample attention/mean,attention/std 7x7x1',
  'attention/quantize Quantize attention/sample 7x7x1',
  'attention/modulate Modulate backbone/stage2/maxpool0,attention/quantize 7x7x16',
  'backbone/stage3/conv0 Conv2D attention/modulate 7x7x32',
  'backbone/stage3/bn0 BatchNorm backbone/stage3/conv0 7x7x32',
  'backbone/stage3/relu0 Activation backbone/stage3/bn0 7x7x32',
  'backbone/stage3/maxpool0 MaxPool backbone/stage3/relu0 3x3x32',
  'encoder/flatten Flatten backbone/stage3/maxpool0 288',
  'encoder/dense Dense encoder/flatten 128',
  'latent/mean Slice encoder/dense 64',
  'latent/std_raw Slice encoder/dense 64',
  'latent/std ShiftedSoftplus latent/std_raw 64',
  'latent/sample Sample latent/mean,latent/std 64',
  'decoder/linear0 Dense latent/sample 64',
  'decoder/relu0 Activation decoder/linear0 64',
  'decoder/linear1 Dense decoder/relu0 10',
  'logits SampleMean decoder/linear1 10',
];

const EXPECTED_PARAMS = [
  'backbone/stage1/conv0/kernel 3x3x1x8',
  'backbone/stage1/conv0/bias 8',
  'backbone/stage1/bn0/gamma 8',
  'backbone/stage1/bn0/beta 8',
  'backbone/stage1/bn0/moving_mean 8',
  'backbone/stage1/bn0/moving_variance 8',
  'backbone/stage2/conv0/kernel 3x3x8x16',
  'backbone/stage2/conv0/bias 16',
  'backbone/stage2/bn0/gamma 16',
  'backbone/stage2/bn0/beta 16',
  'backbone/stage2/bn0/moving_mean 16',
  'backbone/stage2/bn0/moving_variance 16',
  'attention/head/conv0/kernel 3x3x16x1',
  'attention/head/conv0/bias 1',
  'attention/std_head/conv/kernel 3x3x1x1',
  'attention/std_head/conv/bias 1',
  'attention/quantize/anchors 20',
  'backbone/stage3/conv0/kernel 3x3x16x32',
  'backbone/stage3/conv0/bias 32',
  'backbone/stage3/bn0/gamma 32',
  'backbone/stage3/bn0/beta 32',
  'backbone/stage3/bn0/moving_mean 32',
  'backbone/stage3/bn0/moving_variance 32',
  'encoder/dense/kernel 288x128',
  'encoder/dense/bias 128',
  'decoder/linear0/kernel 64x64',
  'decoder/linear0/bias 64',
  'decoder/linear1/kernel 64x10',
  'decoder/linear1/bias 10',
];

it('fashion-small-aib-qt lowers to the expected nodes and parameters', () => {
  const ir = buildModel(REFERENCE_ARCHITECTURES['fashion-small-aib-qt']!).value!;
  expect(ir.nodes.map((n) => `${n.id} ${n.op} ${n.inputs.join(',')} ${n.shape.join('x')}`)).toEqual(EXPECTED_NODES);
  expect(ir.params.map((p) => `${p.name} ${p.shape.join('x')}`)).toEqual(EXPECTED_PARAMS);
  expect(ir.taps).toEqual({
    logits: 'logits',
    attentionMean: 'attention/mean',
    attentionSample: 'attention/sample',
    attentionQuantized: 'attention/quantize',
    latentMean: 'latent/mean',
    latentStd: 'latent/std',
  });
});
