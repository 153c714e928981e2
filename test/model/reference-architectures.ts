/**
 * The reference architectures as ResolvedSpec values built in code (mirroring specs/*.ibspec),
 * so the model tests do not depend on the parser. test/model/spec-files.test.ts checks the
 * same numbers through loadSpec.
 */
import type { AttentionSpec, LayerSpec, ModelSpec, QuantizeSpec, ResolvedSpec } from '../../src/compiler/spec/resolved-spec.js';
import { attention, bn, conv, flatten, linear, makeSpec, pool, relu } from './spec-fixtures.js';

const quantize = (anchors: number, trainable: boolean, lrScale: number): QuantizeSpec => ({
  anchors,
  init: { kind: 'linspace', low: 0, high: 1 },
  trainable,
  lrScale,
  vqWeight: 0.4,
  commitWeight: 0.1,
});

const spec = (name: string, model: Partial<ModelSpec>): ResolvedSpec => makeSpec(model, name);

function cifarVgg(classes: number, anchors?: number): Partial<ModelSpec> {
  const att: AttentionSpec = attention(
    {
      at: 'block3',
      mapSize: [16, 16],
      latent: 256,
      decoder: [linear(256), relu, linear(classes)],
      ...(anchors ? { quantize: quantize(anchors, true, 1) } : {}),
    },
    classes,
  );
  return { input: [32, 32, 3], classes, init: 'vgg', backbone: { kind: 'vgg16_bn' }, attention: att };
}

function wrnHead(classes: number): LayerSpec[] {
  const block: LayerSpec = { type: 'basic_block', filters: 640, stride: 1, preact: true, dropout: 0.3 };
  return [block, block, block, block, bn, conv(classes, { kernel: [1, 1], bias: false }), bn, relu, conv(1, { bias: false }), bn];
}

function cifarWrn(classes: number, anchors?: number): Partial<ModelSpec> {
  return {
    input: [32, 32, 3],
    classes,
    init: 'wrn',
    backbone: { kind: 'wrn', depth: 28, widen: 10, dropout: 0.3 },
    attention: attention(
      {
        at: 'group2',
        head: wrnHead(classes),
        mapSize: [16, 16],
        latent: 512,
        klScale: 1,
        decoder: [relu, linear(classes)],
        ...(anchors ? { quantize: quantize(anchors, true, 1e-4) } : {}),
      },
      classes,
    ),
  };
}

function cubVgg(qt: boolean): Partial<ModelSpec> {
  const c512: LayerSpec = conv(512);
  const head = qt ? [c512, relu, c512, relu, c512, relu, conv(1)] : [conv(1)];
  return {
    input: [224, 224, 3],
    classes: 200,
    init: 'vgg',
    backbone: { kind: 'vgg16' },
    attention: attention(
      {
        at: 'block5',
        head,
        mapSize: [14, 14],
        latent: 256,
        klScale: 1,
        samples: { train: 1, eval: 12 },
        encoderHead: [{ type: 'adaptive_avgpool', size: [3, 3] }, flatten],
        decoder: [linear(256), relu, linear(200)],
        ...(qt ? { quantize: quantize(20, false, 1) } : {}),
      },
      200,
    ),
  };
}

function cubWrn50(qt: boolean): Partial<ModelSpec> {
  const b: LayerSpec = { type: 'bottleneck', filters: 512, stride: 1, expansion: 4, widthFactor: 2 };
  return {
    input: [224, 224, 3],
    classes: 200,
    init: 'he',
    backbone: { kind: 'wrn50_2' },
    attention: attention(
      {
        at: 'layer3',
        head: [b, b, b, conv(1)],
        mapSize: [14, 14],
        latent: 256,
        klScale: 1,
        samples: { train: 1, eval: 12 },
        decoder: [linear(256), relu, linear(200)],
        ...(qt ? { quantize: quantize(20, false, 1) } : {}),
      },
      200,
    ),
  };
}

const fashionBackbone: ModelSpec['backbone'] = {
  kind: 'custom',
  stages: [
    { name: 'stage1', layers: [conv(8), bn, relu, pool(2)] },
    { name: 'stage2', layers: [conv(16), bn, relu, pool(2)] },
    { name: 'stage3', layers: [conv(32), bn, relu, pool(2)] },
  ],
};

function fashion(kind: 'baseline' | 'aib' | 'aib-qt'): Partial<ModelSpec> {
  const base = { input: [28, 28, 1] as const, classes: 10, init: 'he' as const, backbone: fashionBackbone };
  if (kind === 'baseline') return { ...base, classifier: [flatten, linear(10)] };
  return {
    ...base,
    attention: attention({ at: 'stage2', mapSize: [7, 7], latent: 64, ...(kind === 'aib-qt' ? { quantize: quantize(20, true, 1) } : {}) }),
  };
}

function imagenet(kind: 'resnet18' | 'resnet34' | 'resnet50' | 'wrn50_2'): Partial<ModelSpec> {
  return { input: [224, 224, 3], classes: 1000, init: 'he', backbone: { kind } };
}

/** Keyed by the names in test/fixtures/param-counts.json. */
export const REFERENCE_ARCHITECTURES: Readonly<Record<string, ResolvedSpec>> = {
  'cifar10-vgg16-aib': spec('cifar10-vgg16-aib', cifarVgg(10)),
  'cifar10-vgg16-aib-qt': spec('cifar10-vgg16-aib-qt', cifarVgg(10, 20)),
  'cifar100-vgg16-aib': spec('cifar100-vgg16-aib', cifarVgg(100)),
  'cifar100-vgg16-aib-qt': spec('cifar100-vgg16-aib-qt', cifarVgg(100, 50)),
  'cifar10-wrn28-10-aib': spec('cifar10-wrn28-10-aib', cifarWrn(10)),
  'cifar10-wrn28-10-aib-qt': spec('cifar10-wrn28-10-aib-qt', cifarWrn(10, 50)),
  'cifar100-wrn28-10-aib': spec('cifar100-wrn28-10-aib', cifarWrn(100)),
  'cifar100-wrn28-10-aib-qt': spec('cifar100-wrn28-10-aib-qt', cifarWrn(100, 20)),
  'cub-vgg16-aib': spec('cub-vgg16-aib', cubVgg(false)),
  'cub-vgg16-aib-qt': spec('cub-vgg16-aib-qt', cubVgg(true)),
  'cub-wrn50-2-aib': spec('cub-wrn50-2-aib', cubWrn50(false)),
  'cub-wrn50-2-aib-qt': spec('cub-wrn50-2-aib-qt', cubWrn50(true)),
  'fashion-small-baseline': spec('fashion-small-baseline', fashion('baseline')),
  'fashion-small-aib': spec('fashion-small-aib', fashion('aib')),
  'fashion-small-aib-qt': spec('fashion-small-aib-qt', fashion('aib-qt')),
  'resnet18-imagenet': spec('resnet18-imagenet', imagenet('resnet18')),
  'resnet34-imagenet': spec('resnet34-imagenet', imagenet('resnet34')),
  'resnet50-imagenet': spec('resnet50-imagenet', imagenet('resnet50')),
  'wrn50_2-imagenet': spec('wrn50_2-imagenet', imagenet('wrn50_2')),
};
