/**
 * The JSON Schema (draft-07) of the spec document, with descriptions, enums and
 * defaults. Tagged unions (backbone, data, optimizer, schedule, layers) use
 * ajv's `discriminator`, so a wrong kind gives one clear error instead of one
 * per alternative. `ibc schema` prints this object.
 */
import { DEFAULTS } from './defaults.js';

type Schema = Record<string, unknown>;

const int = (description: string, minimum: number, extra: Schema = {}): Schema => ({ type: 'integer', minimum, description, ...extra });
const num = (description: string, extra: Schema = {}): Schema => ({ type: 'number', description, ...extra });
const bool = (description: string, extra: Schema = {}): Schema => ({ type: 'boolean', description, ...extra });
const str = (description: string, extra: Schema = {}): Schema => ({ type: 'string', description, ...extra });
const enumOf = (description: string, values: readonly string[], extra: Schema = {}): Schema => ({ type: 'string', enum: [...values], description, ...extra });
const obj = (description: string, properties: Record<string, Schema>, required: readonly string[] = [], extra: Schema = {}): Schema => ({
  type: 'object',
  description,
  properties,
  ...(required.length > 0 ? { required: [...required] } : {}),
  additionalProperties: false,
  ...extra,
});
const list = (description: string, items: Schema, extra: Schema = {}): Schema => ({ type: 'array', description, items, ...extra });
/** A tagged union: `tag` picks the alternative. */
const tagged = (description: string, tag: string, alternatives: readonly Schema[]): Schema => ({
  type: 'object',
  description,
  discriminator: { propertyName: tag },
  oneOf: [...alternatives],
});
/** One alternative of a tagged union. */
const variant = (tag: string, value: string | readonly string[], description: string, properties: Record<string, Schema>, required: readonly string[] = []): Schema =>
  obj(description, { [tag]: typeof value === 'string' ? { const: value } : { enum: [...value] }, ...properties }, [tag, ...required]);

const positiveInt = (description: string, extra: Schema = {}): Schema => int(description, 1, extra);
const pairOrInt = (description: string): Schema => ({
  description: `${description}: a whole number ≥ 1 or a pair like 3x3`,
  anyOf: [positiveInt('square size'), list('[height, width]', positiveInt('size'), { minItems: 2, maxItems: 2 })],
});
const pair = (description: string): Schema => list(description, positiveInt('size'), { minItems: 2, maxItems: 2 });
const padding = (description: string, fallback: string): Schema => ({
  description: `${description}: same, valid, or a number of pixels ≥ 0`,
  default: fallback,
  anyOf: [enumOf('TF-style padding', ['same', 'valid']), int('explicit symmetric padding in pixels', 0)],
});
const fraction = (description: string, extra: Schema = {}): Schema => num(description, { minimum: 0, exclusiveMaximum: 1, ...extra });
const layerName = str('optional layer name; node names derive from it', { pattern: '^[A-Za-z_][A-Za-z0-9_-]*$' });

const L = DEFAULTS.layer;
const ACTIVATIONS = ['relu', 'sigmoid', 'tanh', 'elu', 'gelu', 'softplus'] as const;

function layerSchema(): Schema {
  const layer = (type: string | readonly string[], description: string, properties: Record<string, Schema>, required: readonly string[] = []) =>
    variant('type', type, description, { name: layerName, ...properties }, required);
  return tagged('a layer', 'type', [
    layer('conv', 'convolution: conv FILTERS kernel=3 stride=1 padding=same', {
      filters: positiveInt('output channels'),
      kernel: { ...pairOrInt('kernel size'), default: L.conv.kernel },
      stride: { ...pairOrInt('stride'), default: L.conv.stride },
      padding: padding('padding', L.conv.padding),
      dilation: { ...pairOrInt('dilation'), default: L.conv.dilation },
      bias: bool('add a bias', { default: L.conv.bias }),
    }, ['filters']),
    layer('batchnorm', 'batch normalisation', {
      epsilon: num('added to the variance', { exclusiveMinimum: 0, default: L.batchnorm.epsilon }),
      momentum: num('moving-average momentum (PyTorch sense)', { minimum: 0, maximum: 1, default: L.batchnorm.momentum }),
    }),
    layer(ACTIVATIONS, 'activation', {}),
    layer('leaky_relu', 'leaky ReLU', { alpha: num('negative slope', { minimum: 0, default: L.leakyReluAlpha }) }),
    layer(['maxpool', 'avgpool'], 'pooling: maxpool SIZE stride=SIZE padding=valid', {
      size: pairOrInt('window size'),
      stride: pairOrInt('stride (default: the size)'),
      padding: padding('padding', L.pool.padding),
    }, ['size']),
    layer('global_avgpool', 'global average pooling: [h,w,c] -> [c]', {}),
    layer('adaptive_avgpool', 'adaptive average pooling to a fixed size', { size: pairOrInt('output size') }, ['size']),
    layer('dropout', 'dropout: dropout RATE', { rate: fraction('drop probability') }, ['rate']),
    layer('basic_block', 'residual basic block: basic_block FILTERS stride=1 preact=false dropout=0', {
      filters: positiveInt('output channels'),
      stride: positiveInt('stride of the first convolution', { default: L.basicBlock.stride }),
      preact: bool('pre-activation form (Wide ResNet)', { default: L.basicBlock.preact }),
      dropout: fraction('dropout between the convolutions', { default: L.basicBlock.dropout }),
    }, ['filters']),
    layer('bottleneck', 'bottleneck block: bottleneck PLANES stride=1 expansion=4 width=1', {
      filters: positiveInt('base width (planes)'),
      stride: positiveInt('stride of the 3x3 convolution', { default: L.bottleneck.stride }),
      expansion: positiveInt('output channels = planes * expansion', { default: L.bottleneck.expansion }),
      width: positiveInt('inner width multiplier (2 for WRN-50-2)', { default: L.bottleneck.width }),
    }, ['filters']),
    layer('flatten', 'flatten [h,w,c] to [h*w*c]', {}),
    layer('linear', 'fully connected: linear UNITS bias=true', {
      units: positiveInt('output units'),
      bias: bool('add a bias', { default: L.linear.bias }),
    }, ['units']),
  ]);
}

/** Layer lists share one definition of a layer (`#/definitions/layer`). */
function layers(description: string, minItems = 1): Schema {
  return list(description, { $ref: '#/definitions/layer' }, { minItems });
}

function backboneSchema(): Schema {
  const weights = str('local weights file for the trunk (never downloaded); relative to the spec file');
  return tagged('the backbone network: vgg16_bn | vgg16 | wrn | resnet18 | resnet34 | resnet50 | wrn50_2 | custom', 'kind', [
    variant('kind', ['vgg16_bn', 'vgg16'], 'VGG-16 (stages block1..block5)', { weights }),
    variant('kind', 'wrn', 'pre-activation Wide ResNet (stages conv1, group1..group3, tail)', {
      depth: int('depth = 6n + 4', 10, { default: DEFAULTS.wrn.depth }),
      widen: positiveInt('widening factor', { default: DEFAULTS.wrn.widen }),
      dropout: fraction('dropout inside blocks', { default: DEFAULTS.wrn.dropout }),
      weights,
    }),
    variant('kind', ['resnet18', 'resnet34', 'resnet50', 'wrn50_2'], 'ImageNet-style ResNet (stages stem, layer1..layer4, tail)', { weights }),
    variant('kind', 'custom', 'stages of layers: backbone custom { stage NAME { ... } }', {
      stages: list('named stages, in order; stage names are insertion points', obj('a stage', {
        name: str('stage name', { pattern: '^[A-Za-z_][A-Za-z0-9_-]*$' }),
        layers: layers('the stage layers', 0),
      }, ['name', 'layers'])),
    }, ['stages']),
  ]);
}

function attentionSchema(): Schema {
  const A = DEFAULTS.attention;
  const Q = DEFAULTS.quantize;
  const range = { low: num('lowest anchor', { default: Q.init.low }), high: num('highest anchor', { default: Q.init.high }) };
  return obj('the IB attention module: attention at=STAGE { ... }', {
    at: str('insertion point: a stage name of the backbone'),
    head: layers('attention mean head (a sigmoid is appended); default: conv 1 kernel=3'),
    map: pair('expected attention map size HxW'),
    std_head: obj('std head: conv k x k on the mean map, then softplus(x + offset)', {
      kernel: positiveInt('kernel size', { default: A.stdHead.kernel }),
      offset: num('softplus offset', { default: A.stdHead.offset }),
    }),
    latent: positiveInt('latent size K', { default: A.latent }),
    encoder_head: layers('layers between the rest of the backbone and linear(2K)', 0),
    latent_std_offset: num('latent std softplus offset', { default: A.latentStdOffset }),
    beta: num('KL weight beta', { minimum: 0, default: A.beta }),
    kl: enumOf('KL form: standard (correct VIB) or reference (the released code)', ['standard', 'reference'], { default: A.kl }),
    kl_scale: num('constant c multiplying beta', { minimum: 0, default: A.klScale }),
    samples: obj('samples per example; 0 = deterministic mean', {
      train: int('samples in training', 0, { default: A.samples.train }),
      eval: int('samples in evaluation', 0, { default: A.samples.eval }),
    }),
    decoder: layers('decoder from z to logits; default: linear K, relu, linear CLASSES'),
    quantize: obj('anchor quantization of the map (aib-qt)', {
      anchors: int('number of anchors Q', 2, { default: Q.anchors }),
      init: tagged('anchor initialisation: linspace | random', 'kind', [
        variant('kind', 'linspace', 'evenly spaced in [low, high]', range),
        variant('kind', 'random', 'uniform in [low, high]', { ...range, seed: int('seed', 0, { default: Q.randomSeed }) }),
      ]),
      trainable: bool('whether anchors are learned', { default: Q.trainable }),
      lr_scale: num('anchor lr = lr * lr_scale', { minimum: 0, default: Q.lrScale }),
      vq_weight: num('lambda_vq', { minimum: 0, default: Q.vqWeight }),
      commit_weight: num('lambda_c', { minimum: 0, default: Q.commitWeight }),
    }),
  }, ['at']);
}

function dataSchema(): Schema {
  const D = DEFAULTS.data;
  const common: Record<string, Schema> = {
    validation: fraction('fraction of the training set held out', { default: D.validation }),
    augment: obj('training augmentation', {
      crop: obj('random crop back to the input size after padding', {
        padding: int('pixels', 0, { default: D.crop.padding }),
        mode: enumOf('padding mode', ['reflect', 'zero'], { default: D.crop.mode }),
      }),
      flip: enumOf('random flip', ['none', 'horizontal'], { default: D.flip }),
    }),
    normalize: obj('per-channel (x - mean) / std after scaling to [0, 1]; default mean 0, std 1', {
      mean: list('one per channel', num('mean'), { minItems: 1 }),
      std: list('one per channel', num('std'), { minItems: 1 }),
    }),
  };
  const path = (description: string) => str(description, { minLength: 1 });
  const files = obj('images="..." labels="..."', { images: path('IDX images file'), labels: path('IDX labels file') }, ['images', 'labels']);
  return tagged('the data set: idx | cifar10 | cifar100 | folder | synthetic', 'kind', [
    variant('kind', 'idx', 'gzipped or plain IDX files (Fashion-MNIST)', {
      train: files,
      test: files,
      clutter: obj('each image at a seeded random position on a canvas x canvas image, with clutter patches cut from other images', {
        canvas: positiveInt('side of the square canvas in pixels (the model input)'),
        pieces: int('clutter patches per image', 0, { default: D.clutter.pieces }),
        piece_size: positiveInt('side of each square clutter patch', { default: D.clutter.pieceSize }),
        seed: int('seeds placement and clutter (independent of train.seed)', 0, { default: D.clutter.seed }),
      }, ['canvas']),
      ...common,
    }, ['train', 'test']),
    variant('kind', 'cifar10', 'CIFAR-10 binary folder', { path: path('folder with data_batch_*.bin'), ...common }, ['path']),
    variant('kind', 'cifar100', 'CIFAR-100 binary folder', {
      path: path('folder with train.bin, test.bin'),
      labels: enumOf('label set', ['fine', 'coarse'], { default: 'fine' }),
      ...common,
    }, ['path']),
    variant('kind', 'folder', 'one subfolder per class', {
      train: path('training folder'),
      test: path('test folder'),
      resize: positiveInt('resize the shorter side before cropping'),
      ...common,
    }, ['train', 'test']),
    variant('kind', 'synthetic', 'generated in memory from the seed', {
      train_count: positiveInt('training examples', { default: D.synthetic.trainCount }),
      test_count: positiveInt('test examples', { default: D.synthetic.testCount }),
      ...common,
    }),
  ]);
}

function trainSchema(): Schema {
  const T = DEFAULTS.train;
  const lr = (fallback: number) => num('learning rate', { exclusiveMinimum: 0, default: fallback });
  const weightDecay = (fallback: number) => num('L2 weight decay', { minimum: 0, default: fallback });
  const gamma = num('multiplier', { exclusiveMinimum: 0, default: T.schedule.gamma });
  return obj('training', {
    epochs: positiveInt('epochs', { default: T.epochs }),
    batch: positiveInt('training batch size', { default: T.batch }),
    eval_batch: positiveInt('evaluation batch size (default: batch)'),
    optimizer: tagged('optimizer: sgd | adam', 'kind', [
      variant('kind', 'sgd', 'SGD (PyTorch semantics)', {
        lr: lr(T.sgd.lr),
        momentum: fraction('momentum', { default: T.sgd.momentum }),
        nesterov: bool('Nesterov momentum', { default: T.sgd.nesterov }),
        weight_decay: weightDecay(T.sgd.weightDecay),
      }),
      variant('kind', 'adam', 'Adam', {
        lr: lr(T.adam.lr),
        beta1: fraction('beta1', { default: T.adam.beta1 }),
        beta2: fraction('beta2', { default: T.adam.beta2 }),
        epsilon: num('epsilon', { exclusiveMinimum: 0, default: T.adam.epsilon }),
        weight_decay: weightDecay(T.adam.weightDecay),
      }),
    ]),
    schedule: tagged('learning-rate schedule: constant | step | multistep | exponential | cosine', 'kind', [
      variant('kind', 'constant', 'constant learning rate', {}),
      variant('kind', 'step', 'lr * gamma^floor(epoch / every)', { every: positiveInt('epochs per step'), gamma }, ['every']),
      variant('kind', 'multistep', 'lr * gamma at each milestone epoch', { milestones: list('epochs', positiveInt('epoch'), { minItems: 1 }), gamma }, ['milestones']),
      variant('kind', 'exponential', 'lr * gamma^floor(epoch / every)', { gamma: num('multiplier', { exclusiveMinimum: 0 }), every: positiveInt('epochs per step', { default: T.schedule.every }) }, ['gamma']),
      variant('kind', 'cosine', 'cosine annealing to min_lr', { min_lr: num('final learning rate', { minimum: 0, default: T.schedule.minLr }) }),
    ]),
    warmup: obj('explicit learning rates for the first epochs', { lrs: list('one per warm-up epoch', num('learning rate', { exclusiveMinimum: 0 }), { minItems: 1 }) }, ['lrs']),
    seed: int('the one seed of the run', 0, { default: T.seed }),
    checkpoint: obj('checkpoints', {
      every: int('epochs between checkpoints (0 = only the last)', 0, { default: T.checkpoint.every }),
      keep_best: bool('also keep the best on validation', { default: T.checkpoint.keepBest }),
    }),
    ema: num('decay of the weight moving average', { exclusiveMinimum: 0, exclusiveMaximum: 1 }),
  });
}

function exportSchema(): Schema {
  return obj('export settings', {
    opset: int('ONNX opset (default: the newest the bundled onnxruntime supports)', 7),
    dynamic_batch: bool('symbolic batch dimension', { default: DEFAULTS.export.dynamicBatch }),
    layout: enumOf('input layout of exported models', ['nhwc', 'nchw'], { default: DEFAULTS.export.layout }),
  });
}

/** The JSON Schema of a spec document (after `extends` merging, before defaults). A fresh object each call. */
export function specJsonSchema(): Schema {
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    $id: 'https://ibc.invalid/schemas/ibspec.json',
    title: 'ibspec',
    description: 'An .ibspec experiment, as the JSON document the spec lowers to (surface key names).',
    definitions: { layer: layerSchema() },
    ...obj('a spec', {
      name: str('the spec name (default: the file base name)', { pattern: '^[^/\\\\\\s]+$' }),
      model: obj('the model', {
        input: list('input shape [height, width, channels]', positiveInt('size'), { minItems: 3, maxItems: 3 }),
        classes: int('number of classes', 2),
        init: enumOf('weight initialisation (default: from the backbone)', ['vgg', 'wrn', 'he']),
        backbone: backboneSchema(),
        attention: attentionSchema(),
        classifier: layers('baseline classifier (no attention); default: flatten, linear CLASSES'),
      }, ['input', 'classes', 'backbone']),
      data: dataSchema(),
      train: trainSchema(),
      export: exportSchema(),
      sweep: list('sweep entries: path in [values]', obj('a swept path', {
        path: str('dotted path, e.g. model.attention.beta'),
        values: list('values', {}, { minItems: 1 }),
      }, ['path', 'values'])),
    }, ['model', 'data']),
  };
}
