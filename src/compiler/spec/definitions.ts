/**
 * The spec language: every section, key, layer type and kind, each defined
 * once — name, type, range or allowed values, default, doc. The statement
 * table the document builder walks (vocabulary.ts), the JSON Schema (json-schema.ts),
 * the types of the validated document and of the resolved spec
 * (resolved-spec.ts), the resolved defaults (resolve.ts) and the key tables of
 * docs/language.md (docs-tables.ts, `npm run docs:keys`) are all derived from
 * this file.
 *
 * Adding a key is one line in its section below, e.g. in ATTENTION:
 *
 *   kl_warmup: key.int({ doc: 'epochs over which beta ramps up from 0', min: 0, default: 0, as: 'klWarmup' }),
 *
 * which makes `kl_warmup 5` a statement of the attention block (and
 * `model.attention.kl_warmup` an override and sweep path), adds it to the JSON
 * Schema with its range and default, fills the default in resolve, and adds
 * `readonly klWarmup: number` to AttentionSpec. Then `npm run docs:keys`
 * regenerates the docs tables (a test fails until it is run). Options: `required`,
 * `option` (also `name=` on the statement's first line), `as` (the resolved
 * name), `computed` (a default resolve.ts computes: add it there, the types
 * insist), `absent` (docs text for an optional key without a default), `only`
 * (within a variant with several tags). Builders: key.int / number / bool /
 * string / path / oneOf / size / padding / pair / triple / list / layers /
 * section / union (key.ts).
 *
 * Key order is the order of `allowed:` lists in messages and of the docs.
 */
import type { Span } from '../../diagnostics/diagnostic.js';
import { extraFields, key, variant } from './key.js';

/** Seeds are 32-bit (the random streams take a seed modulo 2^32): a larger one would silently repeat a smaller one's run. */
export const MAX_SEED = 4294967295;

const NAME_PATTERN = '^[A-Za-z_][A-Za-z0-9_-]*$';

// ---------------------------------------------------------------- layers

const FRACTION = { min: 0, below: 1 } as const;

/** Every layer takes `name=IDENT`. */
const layerName = { name: key.string({ doc: 'optional layer name; node names derive from it', pattern: NAME_PATTERN }) } as const;

/** Layer statements, allowed in `stage`, `head`, `decoder`, `classifier` and `encoder_head` blocks. `repeat N { }` is handled by the document builder (from-ast.ts). */
export const LAYER = key.union(
  'type',
  {
    conv: variant(
      'convolution: conv FILTERS kernel=3 stride=1 padding=same',
      {
        ...layerName,
        filters: key.int({ doc: 'output channels', min: 1, required: true }),
        kernel: key.size({ doc: 'kernel size', default: 3 }),
        stride: key.size({ doc: 'stride', default: 1 }),
        padding: key.padding({ doc: 'padding', default: 'same' }),
        dilation: key.size({ doc: 'dilation', default: 1 }),
        bias: key.bool({ doc: 'add a bias', default: true }),
      },
      { positional: ['filters'] },
    ),
    batchnorm: variant('batch normalisation', {
      ...layerName,
      epsilon: key.number({ doc: 'added to the variance', above: 0, default: 1e-5 }),
      momentum: key.number({ doc: 'moving-average momentum in the PyTorch sense: new = (1 - m) * old + m * batch', min: 0, max: 1, default: 0.1 }),
    }),
    activation: variant(
      'activation',
      {
        ...layerName,
        alpha: key.number({ doc: 'negative slope of leaky_relu', min: 0, default: 0.01, only: ['leaky_relu'] }),
      },
      { tags: ['relu', 'sigmoid', 'tanh', 'elu', 'gelu', 'softplus', 'leaky_relu'] },
    ),
    pool: variant(
      'pooling: maxpool SIZE stride=SIZE padding=valid',
      {
        ...layerName,
        size: key.size({ doc: 'window size', required: true }),
        stride: key.size({ doc: 'stride', computed: 'the size' }),
        padding: key.padding({ doc: 'padding', default: 'valid' }),
      },
      { tags: ['maxpool', 'avgpool'], positional: ['size'] },
    ),
    global_avgpool: variant('global average pooling: [h,w,c] -> [c]', { ...layerName }),
    adaptive_avgpool: variant(
      'adaptive average pooling to a fixed size (PyTorch AdaptiveAvgPool2d)',
      { ...layerName, size: key.size({ doc: 'output size', required: true }) },
      { positional: ['size'] },
    ),
    dropout: variant('dropout: dropout RATE', { ...layerName, rate: key.number({ doc: 'drop probability', ...FRACTION, required: true }) }, { positional: ['rate'] }),
    basic_block: variant(
      'residual basic block: two 3x3 convolutions and a shortcut (1x1 when the shape changes)',
      {
        ...layerName,
        filters: key.int({ doc: 'output channels', min: 1, required: true }),
        stride: key.int({ doc: 'stride of the first convolution', min: 1, default: 1 }),
        preact: key.bool({ doc: 'pre-activation form (Wide ResNet: BN-ReLU-conv, dropout between the convolutions)', default: false }),
        dropout: key.number({ doc: 'dropout between the convolutions', ...FRACTION, default: 0 }),
      },
      { positional: ['filters'] },
    ),
    bottleneck: variant(
      'bottleneck block: 1x1, 3x3 (with the stride), 1x1 with expansion; output channels = filters * expansion',
      {
        ...layerName,
        filters: key.int({ doc: 'base width (planes)', min: 1, required: true }),
        stride: key.int({ doc: 'stride of the 3x3 convolution', min: 1, default: 1 }),
        expansion: key.int({ doc: 'output channels = planes * expansion', min: 1, default: 4 }),
        width: key.int({ doc: 'inner width multiplier (2 for WRN-50-2)', min: 1, default: 1, as: 'widthFactor' }),
      },
      { positional: ['filters'] },
    ),
    flatten: variant('flatten [h,w,c] to [h*w*c]', { ...layerName }),
    linear: variant(
      'fully connected: linear UNITS bias=true',
      { ...layerName, units: key.int({ doc: 'output units', min: 1, required: true }), bias: key.bool({ doc: 'add a bias', default: true }) },
      { positional: ['units'] },
    ),
  },
  // sizeOrigin: the span of what sets the layer's spatial step (`stride=2`, a pool's size), for shape errors; not hashed.
  { doc: 'a layer', origin: true, ref: 'layer', extra: extraFields<{ readonly sizeOrigin?: Span }>() },
);

// ---------------------------------------------------------------- model

const weights = key.path({
  doc: 'pretrained trunk: a torch.save state dict, a .safetensors file, or an ibc checkpoint or run directory (recognised by content; never downloaded); relative to the spec file',
  option: true,
  absent: 'random initial weights',
});
const strict = key.bool({
  doc: "with weights: as PyTorch's load_state_dict(strict=...); false accepts trunk parameters without a tensor (they stay random) and tensors without a place (ignored), as warnings; shapes must always match",
  option: true,
  absent: 'true',
});
const freeze = key.list(key.string({ doc: 'stage name', pattern: NAME_PATTERN }), {
  doc: "stages whose parameters never train and whose batch norms use, and keep, their running statistics (PyTorch: requires_grad=False plus module.eval()); stage names as for attention at= (IB3409)",
  option: true,
  absent: 'nothing frozen',
});

const STAGE = key.section(
  {
    name: key.string({ doc: 'stage name: an insertion point', pattern: NAME_PATTERN, required: true }),
    layers: key.layers(LAYER, { doc: 'the stage layers', minItems: 0, required: true }),
  },
  { doc: 'a stage', origin: true },
);

export const BACKBONE = key.union(
  'kind',
  {
    vgg: variant(
      'VGG-16 (stages block1..block5; the CIFAR vgg16_bn also tail)',
      {
        variant: key.oneOf(['cifar', 'imagenet'], {
          doc: "cifar: reference-configs §1 (bias-free convolutions, no pooling in block1-2, a tail to 1x1); imagenet: torchvision's vgg16_bn (every block ends with a max-pool)",
          only: ['vgg16_bn'],
          option: true,
          absent: 'cifar',
        }),
        weights,
        strict,
        freeze,
      },
      { tags: ['vgg16_bn', 'vgg16'] },
    ),
    wrn: variant('pre-activation Wide ResNet (stages conv1, group1..group3, tail)', {
      depth: key.int({ doc: 'depth = 6n + 4', min: 10, default: 28 }),
      widen: key.int({ doc: 'widening factor', min: 1, default: 10 }),
      dropout: key.number({ doc: 'dropout inside blocks', ...FRACTION, default: 0.3 }),
      weights,
      strict,
      freeze,
    }),
    resnet: variant('ImageNet-style ResNet (stages stem, layer1..layer4, tail); wrn50_2 doubles the bottleneck width', { weights, strict, freeze }, {
      tags: ['resnet18', 'resnet34', 'resnet50', 'wrn50_2'],
    }),
    custom: variant('stages of layers: backbone custom { stage NAME { ... } }', {
      stages: key.list(STAGE, {
        doc: 'named stages, in order; stage names are insertion points',
        required: true,
        statement: { word: 'stage', positional: ['name'], layersField: 'layers' },
      }),
      freeze,
    }),
  },
  // weightsOrigin: the span of the weights="..." value, where every weights diagnostic points;
  // freezeOrigins: the span of each freeze=[...] name, for IB3409; not hashed.
  {
    doc: 'the backbone network: vgg16_bn | vgg16 | wrn | resnet18 | resnet34 | resnet50 | wrn50_2 | custom',
    required: true,
    origin: true,
    extra: extraFields<{ readonly weightsOrigin?: Span; readonly freezeOrigins?: readonly (Span | undefined)[] }>(),
  },
);

const QUANTIZE_RANGE = {
  low: key.number({ doc: 'lowest anchor', default: 0 }),
  high: key.number({ doc: 'highest anchor', default: 1 }),
} as const;

const QUANTIZE = key.section(
  {
    anchors: key.int({ doc: 'number of anchor values Q', min: 2, default: 20 }),
    init: key.union(
      'kind',
      {
        linspace: variant('evenly spaced in [low, high]', QUANTIZE_RANGE),
        random: variant('uniform in [low, high]', { ...QUANTIZE_RANGE, seed: key.int({ doc: 'seed', min: 0, max: MAX_SEED, default: 0 }) }),
      },
      { doc: 'anchor initialisation: linspace | random; low < high (IB3316)', default: 'linspace' },
    ),
    trainable: key.bool({ doc: 'whether anchors are learned', default: true }),
    lr_scale: key.number({ doc: 'anchor learning rate = lr * lr_scale (WRN reference: 1e-4); a warning when anchors are not trainable (IB3317)', min: 0, default: 1, as: 'lrScale' }),
    vq_weight: key.number({ doc: 'lambda_vq', min: 0, default: 0.4, as: 'vqWeight' }),
    commit_weight: key.number({ doc: 'lambda_c', min: 0, default: 0.1, as: 'commitWeight' }),
  },
  { doc: 'anchor quantization of the map (aib-qt); a bare `quantize` takes every default', origin: true },
);

const ATTENTION = key.section(
  {
    at: key.string({ doc: 'insertion point: a stage name of the backbone', required: true, option: true, shape: 'STAGE' }),
    head: key.layers(LAYER, { doc: 'attention mean head on the feature map (a sigmoid is appended); must end with 1 channel', computed: 'conv 1 kernel=3' }),
    map: key.pair({ doc: 'expected attention map size HxW, checked by shape inference', as: 'mapSize', absent: 'whatever the head yields' }),
    std_head: key.section(
      {
        kernel: key.int({ doc: 'kernel size', min: 1, default: 3 }),
        offset: key.number({ doc: 'softplus offset', default: -5 }),
      },
      { doc: 'std head: conv k x k on the mean map, then softplus(x + offset)', syntax: 'options', filled: true, as: 'stdHead' },
    ),
    latent: key.int({ doc: 'latent size K; the encoder ends with linear(2K)', min: 1, default: 256, shape: 'K' }),
    encoder_head: key.layers(LAYER, {
      doc: 'layers between the rest of the backbone and linear(2K)',
      minItems: 0,
      computed: 'none (the builder flattens a map)',
      as: 'encoderHead',
    }),
    latent_std_offset: key.number({ doc: 'latent std = softplus(s + offset)', default: -5, as: 'latentStdOffset' }),
    beta: key.number({ doc: 'KL weight beta', min: 0, default: 0.01 }),
    kl: key.oneOf(['standard', 'reference'], { doc: 'KL form: standard (correct VIB KL) or reference (the released code)', default: 'standard', as: 'klForm' }),
    kl_scale: key.number({ doc: 'constant c multiplying beta (0.5 in the VGG code, 1 in WRN/CUB)', min: 0, default: 1, as: 'klScale' }),
    samples: key.section(
      {
        train: key.int({ doc: 'samples in training', min: 0, default: 1 }),
        eval: key.int({ doc: 'samples in evaluation', min: 0, default: 4 }),
      },
      { doc: 'samples per example; 0 = deterministic mean', syntax: 'options', filled: true },
    ),
    decoder: key.layers(LAYER, { doc: 'decoder from z to logits; a final linear must have CLASSES units (IB3307)', computed: 'linear K, relu, linear CLASSES' }),
    quantize: QUANTIZE,
  },
  // mapOrigin: the span of `map HxW`, for IB4005; not hashed.
  { doc: 'the IB attention module: attention at=STAGE { ... }', origin: true, extra: extraFields<{ readonly atOrigin?: Span; readonly mapOrigin?: Span }>() },
);

const MODEL = key.section(
  {
    input: key.triple({ doc: 'input shape [height, width, channels]', required: true }),
    classes: key.int({ doc: 'number of classes', min: 2, required: true }),
    class_names: key.list(key.string({ doc: 'class name', minLength: 1 }), {
      doc: 'the class names in label order, one per class (IB3331): attention figures and exports show them',
      minItems: 2,
      as: 'classNames',
      absent: "built in for Fashion-MNIST and CIFAR-10, a folder dataset's subfolder names, else the label numbers",
    }),
    init: key.oneOf(['vgg', 'wrn', 'he'], {
      doc: 'weight initialisation: vgg = Xavier-uniform gain sqrt(2), BN scale U(0,1); wrn = conv N(0, sqrt(2/(k*k*Cout))); he = Kaiming-normal fan-in',
      computed: 'from the backbone: vgg16* -> vgg, wrn -> wrn, else he',
    }),
    backbone: BACKBONE,
    attention: ATTENTION,
    classifier: key.layers(LAYER, {
      doc: 'baseline classifier (no attention): layers after the backbone producing logits',
      absent: 'flatten (for a map), linear CLASSES',
    }),
  },
  { doc: 'the model', required: true, origin: true },
);

// ---------------------------------------------------------------- data

const dataPath = (doc: string) => key.path({ doc, minLength: 1, required: true, option: true });

const FILES = key.section(
  { images: key.path({ doc: 'IDX images file', minLength: 1, required: true }), labels: key.path({ doc: 'IDX labels file', minLength: 1, required: true }) },
  { doc: 'images="..." labels="..."', syntax: 'options', required: true, option: true },
);

const COMMON_DATA = {
  validation: key.number({ doc: 'fraction of the training set held out (split seeded by train.seed)', ...FRACTION, default: 0 }),
  augment: key.section(
    {
      crop: key.section(
        {
          padding: key.int({ doc: 'pixels; 0 moves the window only over images stored larger than the input (folder data with `resize`; else IB3311)', min: 0, default: 4 }),
          mode: key.oneOf(['reflect', 'zero'], { doc: 'padding mode', default: 'reflect' }),
        },
        {
          doc: "random input-size crop after padding (torchvision RandomCrop); folder data with `resize` crops the stored image, so padding=0 is the reference's RandomCrop(224)",
          syntax: 'options',
          absent: 'no crop',
        },
      ),
      random_resized_crop: key.section(
        {
          scale: key.list(key.number({ doc: 'area fraction', above: 0, max: 1 }), {
            doc: 'range of the crop area as a fraction of the image, low ≤ high (IB3602)',
            minItems: 2,
            maxItems: 2,
            computed: '[0.08, 1]',
          }),
          ratio: key.list(key.number({ doc: 'aspect ratio', above: 0 }), {
            doc: 'range of the crop aspect ratio (width / height), drawn log-uniformly, low ≤ high (IB3602)',
            minItems: 2,
            maxItems: 2,
            computed: '[3/4, 4/3]',
          }),
        },
        {
          doc: 'torchvision RandomResizedCrop of the stored image to the input size, with its 10 attempts and central fallback (folder data only, IB3600; not with crop, IB3601)',
          syntax: 'options',
          absent: 'no resized crop',
          as: 'randomResizedCrop',
        },
      ),
      flip: key.oneOf(['none', 'horizontal'], { doc: 'random flip', default: 'none' }),
    },
    { doc: 'training augmentation', filled: true },
  ),
  normalize: key.section(
    {
      mean: key.list(key.number({ doc: 'mean' }), { doc: 'one per channel', minItems: 1, computed: '0 per channel' }),
      std: key.list(key.number({ doc: 'std' }), { doc: 'one per channel; > 0 (IB3310)', minItems: 1, computed: '1 per channel' }),
    },
    { doc: 'per-channel (x - mean) / std after scaling to [0, 1]; one value per input channel (IB3309)', syntax: 'options', computed: 'mean 0, std 1' },
  ),
} as const;

const DATA = key.union(
  'kind',
  {
    idx: variant('gzipped or plain IDX files (Fashion-MNIST)', {
      train: FILES,
      test: FILES,
      clutter: key.section(
        {
          canvas: key.int({ doc: 'side of the square canvas in pixels: the model input', min: 1, required: true }),
          pieces: key.int({ doc: 'clutter patches per image', min: 0, default: 8 }),
          piece_size: key.int({ doc: 'side of each square clutter patch, cut from another image of the split', min: 1, default: 8, as: 'pieceSize' }),
          seed: key.int({ doc: 'seeds placement and clutter, independent of train.seed', min: 0, max: MAX_SEED, default: 0 }),
        },
        {
          doc: 'cluttered, translated images: each at a seeded random position on a canvas x canvas image with clutter patches; object boxes known (runtime/data/clutter.ts)',
          syntax: 'options',
          absent: 'the images as they are',
        },
      ),
      ...COMMON_DATA,
    }),
    cifar: variant(
      'CIFAR binary folder (cifar10: data_batch_*.bin, test_batch.bin; cifar100: train.bin, test.bin)',
      {
        path: dataPath('folder with the CIFAR binary files'),
        labels: key.oneOf(['fine', 'coarse'], { doc: 'label set', default: 'fine', only: ['cifar100'], option: true }),
        ...COMMON_DATA,
      },
      { tags: ['cifar10', 'cifar100'] },
    ),
    folder: variant('one subfolder per class (sorted names = class indices): JPEG, PNG or WebP images, decoded once into the image cache', {
      train: dataPath('training folder'),
      test: dataPath('test folder'),
      resize: key.int({
        doc: 'store each image with its shorter side at this size (torchvision Resize; CUB: 256); training crops from it, evaluation takes the centre crop',
        min: 1,
        option: true,
        absent: 'resize straight to the input size',
      }),
      bad_files: key.oneOf(['stop', 'skip'], {
        doc: 'an image that cannot be decoded stops the run (stop), or is left out, counted and listed in the run directory (skip)',
        default: 'stop',
        as: 'badFiles',
      }),
      ...COMMON_DATA,
    }),
    synthetic: variant('generated in memory from the seed', {
      train_count: key.int({ doc: 'training examples', min: 1, default: 512, option: true, as: 'trainCount' }),
      test_count: key.int({ doc: 'test examples', min: 1, default: 256, option: true, as: 'testCount' }),
      ...COMMON_DATA,
    }),
  },
  // pathOrigins: the span of each file or folder path by JSON pointer ('/data/train/images'), so errors about a path underline it; not hashed.
  {
    doc: 'the data set: idx | cifar10 | cifar100 | folder | synthetic',
    required: true,
    origin: true,
    syntax: 'block',
    extra: extraFields<{ readonly pathOrigins?: Readonly<Record<string, Span>> }>(),
  },
);

// ---------------------------------------------------------------- train, export

const lr = (fallback: number) => key.number({ doc: 'learning rate', above: 0, default: fallback });
const weightDecay = key.number({ doc: 'L2 weight decay, added to the gradients as PyTorch does', min: 0, default: 0, as: 'weightDecay' });
const gamma = key.number({ doc: 'multiplier', above: 0, default: 0.1 });
const groupScale = (group: string) => key.number({ doc: `learning rate of the ${group} = lr * this`, min: 0, default: 1 });

const TRAIN = key.section(
  {
    epochs: key.int({ doc: 'epochs', min: 1, default: 10 }),
    batch: key.int({ doc: 'training batch size', min: 1, default: 64, as: 'batchSize' }),
    eval_batch: key.int({ doc: 'evaluation batch size', min: 1, computed: 'the batch size', as: 'evalBatchSize' }),
    optimizer: key.union(
      'kind',
      {
        sgd: variant('SGD (PyTorch semantics); nesterov needs momentum > 0 (IB3305)', {
          lr: lr(0.01),
          momentum: key.number({ doc: 'momentum', ...FRACTION, default: 0.9 }),
          nesterov: key.bool({ doc: 'Nesterov momentum', default: false }),
          weight_decay: weightDecay,
        }),
        adam: variant('Adam', {
          lr: lr(1e-3),
          beta1: key.number({ doc: 'beta1', ...FRACTION, default: 0.9 }),
          beta2: key.number({ doc: 'beta2', ...FRACTION, default: 0.999 }),
          epsilon: key.number({ doc: 'epsilon', above: 0, default: 1e-8 }),
          weight_decay: weightDecay,
        }),
      },
      { doc: 'optimizer: sgd | adam', default: 'sgd' },
    ),
    schedule: key.union(
      'kind',
      {
        constant: variant('constant learning rate', {}),
        step: variant('lr * gamma^floor(epoch / every)', { every: key.int({ doc: 'epochs per step', min: 1, required: true }), gamma }),
        multistep: variant('lr * gamma at each milestone epoch', {
          milestones: key.list(key.int({ doc: 'epoch', min: 1 }), { doc: 'epochs, strictly increasing (IB3313)', minItems: 1, required: true }),
          gamma,
        }),
        exponential: variant('lr * gamma^floor(epoch / every)', {
          gamma: key.number({ doc: 'multiplier', above: 0, required: true }),
          every: key.int({ doc: 'epochs per step', min: 1, default: 1 }),
        }),
        cosine: variant('cosine annealing to min_lr', { min_lr: key.number({ doc: 'final learning rate', min: 0, default: 0, as: 'minLr' }) }),
      },
      { doc: 'learning-rate schedule: constant | step | multistep | exponential | cosine; warm-up epochs come first', default: 'constant' },
    ),
    warmup: key.section(
      {
        lrs: key.list(key.number({ doc: 'learning rate', above: 0 }), { doc: 'one per warm-up epoch, in place of the schedule (not with steps, IB3552)', minItems: 1, absent: 'none' }),
        steps: key.int({
          doc: "linear warm-up: optimizer step s (0-based) below N trains at the schedule's rate times (s + 1) / N, then the schedule alone (as HF's linear warm-up, without a step at rate 0)",
          min: 1,
          absent: 'none',
        }),
      },
      {
        doc: 'warm-up before the schedule: warmup steps=500 (linear, per step) or explicit rates for the first epochs, warmup [0.01] or warmup lrs=[0.01]',
        syntax: 'options',
        positional: ['lrs'],
      },
    ),
    lr_scale: key.section(
      {
        backbone: groupScale("backbone's parameters (the pretrained trunk, both sides of the insertion point)"),
        attention: groupScale("attention module's heads (the anchors have their own: quantize lr_scale)"),
        encoder: groupScale('encoder layers after the backbone (encoder_head, linear 2K)'),
        decoder: groupScale('decoder'),
        classifier: groupScale('baseline classifier'),
      },
      {
        doc: "parameter groups' learning rates, as PyTorch's optimizer param groups: lr_scale backbone=0.1 trains the trunk at a tenth of the rate; frozen stages (backbone freeze=[...]) do not train at all",
        syntax: 'options',
        filled: true,
        as: 'lrScale',
      },
    ),
    clip: key.section(
      {
        norm: key.number({ doc: 'scale the gradients so that their global L2 norm is at most this (torch clip_grad_norm_)', above: 0, absent: 'none' }),
        value: key.number({ doc: 'clamp every gradient value to [-value, value] (torch clip_grad_value_)', above: 0, absent: 'none' }),
      },
      { doc: 'gradient clipping, before weight decay and the update: clip norm=1.0 or clip value=0.5 (one of them, IB3550)', syntax: 'options', absent: 'no clipping' },
    ),
    early_stop: key.section(
      {
        metric: key.oneOf(['val_top1', 'val_ce_bits', 'val_loss_bits'], { doc: 'what is watched after each epoch (val_top1: higher is better; val_ce_bits, the validation cross-entropy, and val_loss_bits, the validation objective: lower is better); needs a validation split (IB3551)', default: 'val_top1' }),
        patience: key.int({ doc: 'epochs without improvement before stopping', min: 1, default: 3 }),
        min_delta: key.number({ doc: 'smallest change that counts as an improvement', min: 0, default: 0, as: 'minDelta' }),
      },
      { doc: 'stop when the metric has not improved for `patience` epochs (Lightning EarlyStopping); the run records why it stopped', syntax: 'options', absent: 'never stop early', as: 'earlyStop' },
    ),
    log_every: key.int({ doc: "optimizer steps per line of metrics-steps.jsonl, the step log (also a line at each epoch's last step)", min: 1, absent: '50 (as Lightning)', as: 'logEvery' }),
    seed: key.int({ doc: 'the one seed of the run', min: 0, max: MAX_SEED, default: 0 }),
    checkpoint: key.section(
      {
        every: key.int({ doc: 'epochs between checkpoints (0 = only the last)', min: 0, default: 1 }),
        keep_best: key.bool({ doc: 'also keep the best on validation', default: true, as: 'keepBest' }),
        every_steps: key.int({ doc: 'also write the last checkpoint every N training steps, inside an epoch too (a resume continues mid-epoch); for long epochs', min: 1, as: 'everySteps', absent: 'at epoch ends only' }),
        every_minutes: key.number({ doc: 'also write the last checkpoint once this many minutes have passed since the previous one, at the next step', above: 0, as: 'everyMinutes', absent: 'at epoch ends only' }),
      },
      { doc: 'checkpoints', syntax: 'options', filled: true },
    ),
    ema: key.number({ doc: 'decay of the weight moving average (evaluated with the averaged weights)', above: 0, below: 1 }),
    // Absent rather than defaulted, and fp32 resolves to absent (resolve.ts): the spec hash of
    // every float32 run stays what it was before the key existed.
    precision: key.oneOf(['fp32', 'bf16'], {
      doc: 'arithmetic of convolutions and matrix products: bf16 (ibc-native on a CPU with AVX512_BF16 or AMX) reads bfloat16 operands and accumulates in float32; weights, optimizer state and checkpoints stay float32 (docs/precision.md)',
      absent: 'fp32',
    }),
  },
  { doc: 'training', filled: true, origin: true },
);

const EXPORT = key.section(
  {
    opset: key.int({ doc: 'ONNX opset: 13 to 26 (ibc check rejects others, IB5012)', min: 7, absent: '17 (widely supported; as torch.onnx)' }),
    dynamic_batch: key.bool({ doc: 'symbolic batch dimension', default: true, as: 'dynamicBatch' }),
    layout: key.oneOf(['nhwc', 'nchw'], { doc: 'input layout of exported models', default: 'nhwc' }),
  },
  { doc: 'export settings', filled: true },
);

/** The top level of a spec file. `extends` and `sweep` are handled by the document builder (from-ast.ts). */
export const SPEC = key.section(
  {
    name: key.string({ doc: 'the spec name: no spaces or slashes', pattern: '^[^/\\\\\\s]+$', computed: "the file's base name" }),
    model: MODEL,
    data: DATA,
    train: TRAIN,
    export: EXPORT,
  },
  { doc: 'a spec' },
);
