/**
 * Defaults: a schema-valid spec document -> the ResolvedSpec, with every
 * default filled in (defaults.ts), data and weights paths resolved against the
 * folder of the file that wrote them, and `origin` spans from the span map.
 * The input must have passed the JSON Schema; this stage reports nothing.
 */
import { basename, extname } from 'node:path';
import type { Span } from '../../diagnostics/diagnostic.js';
import type { FileSystem } from '../../host/file-system.js';
import type {
  AttentionSpec,
  AugmentSpec,
  BackboneSpec,
  DataSpec,
  ExportSpec,
  LayerSpec,
  ModelSpec,
  OptimizerSpec,
  Padding,
  QuantizeSpec,
  ResolvedSpec,
  ScheduleSpec,
  TrainSpec,
} from './resolved-spec.js';
import { DEFAULTS } from './defaults.js';
import type { JsonObject } from './spec-document.js';
import type { SpanMap } from './span-map.js';

/**
 * A document the schema has accepted. Its fields are read without further
 * checks: the schema (json-schema.ts) is what guarantees their types.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Valid = any;

type Pair = readonly [number, number];

interface Context {
  readonly spans: SpanMap;
  readonly fs: FileSystem;
  readonly specPath: string;
}

export function resolveSpec(document: JsonObject, spans: SpanMap, fs: FileSystem, specPath: string): ResolvedSpec {
  const ctx: Context = { spans, fs, specPath };
  const doc = document as Valid;
  const model = resolveModel(doc.model, ctx);
  return {
    name: typeof doc.name === 'string' ? doc.name : basename(specPath, extname(specPath)),
    model,
    data: resolveData(doc.data, model.input[2], ctx),
    train: resolveTrain(doc.train ?? {}, ctx),
    export: resolveExport(doc.export ?? {}),
  };
}

function origin(ctx: Context, pointer: string): { origin?: Span } {
  const span = ctx.spans.values.get(pointer) ?? ctx.spans.keys.get(pointer);
  return span ? { origin: span } : {};
}

function pair(value: number | readonly number[]): Pair {
  return typeof value === 'number' ? [value, value] : [value[0], value[1]];
}

/** A path as the user wrote it, resolved against the folder of the file that wrote it. */
function filePath(ctx: Context, pointer: string, value: string): string {
  const from = ctx.spans.values.get(pointer)?.file ?? ctx.specPath;
  return ctx.fs.resolveRelative(from, value);
}

// ---------------------------------------------------------------- model

function resolveModel(m: Valid, ctx: Context): ModelSpec {
  const input: readonly [number, number, number] = [m.input[0], m.input[1], m.input[2]];
  const classes: number = m.classes;
  const backbone = resolveBackbone(m.backbone, ctx);
  const init = m.init ?? (backbone.kind.startsWith('vgg') ? 'vgg' : backbone.kind === 'wrn' ? 'wrn' : 'he');
  const attention = m.attention ? resolveAttention(m.attention, classes, ctx) : undefined;
  const classifier: readonly LayerSpec[] | undefined = m.classifier
    ? resolveLayers(m.classifier, '/model/classifier', ctx)
    : attention
      ? undefined
      : [{ type: 'flatten' }, { type: 'linear', units: classes, bias: DEFAULTS.layer.linear.bias }];
  return {
    input,
    classes,
    init,
    backbone,
    ...(attention ? { attention } : {}),
    ...(classifier ? { classifier } : {}),
    ...origin(ctx, '/model'),
  };
}

function resolveBackbone(b: Valid, ctx: Context): BackboneSpec {
  const at = origin(ctx, '/model/backbone');
  const weights = b.weights !== undefined ? { weights: filePath(ctx, '/model/backbone/weights', b.weights) } : {};
  switch (b.kind) {
    case 'vgg16_bn':
    case 'vgg16':
    case 'resnet18':
    case 'resnet34':
    case 'resnet50':
    case 'wrn50_2':
      return { kind: b.kind, ...weights, ...at };
    case 'wrn':
      return {
        kind: 'wrn',
        depth: b.depth ?? DEFAULTS.wrn.depth,
        widen: b.widen ?? DEFAULTS.wrn.widen,
        dropout: b.dropout ?? DEFAULTS.wrn.dropout,
        ...weights,
        ...at,
      };
    default:
      return {
        kind: 'custom',
        stages: (b.stages as Valid[]).map((s, i) => ({
          name: s.name,
          layers: resolveLayers(s.layers, `/model/backbone/stages/${i}/layers`, ctx),
          ...origin(ctx, `/model/backbone/stages/${i}`),
        })),
        ...at,
      };
  }
}

function resolveAttention(a: Valid, classes: number, ctx: Context): AttentionSpec {
  const A = DEFAULTS.attention;
  const latent: number = a.latent ?? A.latent;
  const atSpan = ctx.spans.values.get('/model/attention/at');
  const L = DEFAULTS.layer.conv;
  return {
    at: a.at,
    ...(atSpan ? { atOrigin: atSpan } : {}),
    head: a.head
      ? resolveLayers(a.head, '/model/attention/head', ctx)
      : [{ type: 'conv', filters: 1, kernel: pair(L.kernel), stride: pair(L.stride), padding: L.padding, dilation: pair(L.dilation), bias: L.bias }],
    ...(a.map ? { mapSize: pair(a.map) } : {}),
    stdHead: { kernel: a.std_head?.kernel ?? A.stdHead.kernel, offset: a.std_head?.offset ?? A.stdHead.offset },
    latent,
    encoderHead: a.encoder_head ? resolveLayers(a.encoder_head, '/model/attention/encoder_head', ctx) : [],
    latentStdOffset: a.latent_std_offset ?? A.latentStdOffset,
    beta: a.beta ?? A.beta,
    klForm: a.kl ?? A.kl,
    klScale: a.kl_scale ?? A.klScale,
    samples: { train: a.samples?.train ?? A.samples.train, eval: a.samples?.eval ?? A.samples.eval },
    decoder: a.decoder
      ? resolveLayers(a.decoder, '/model/attention/decoder', ctx)
      : [
          { type: 'linear', units: latent, bias: true },
          { type: 'relu' },
          { type: 'linear', units: classes, bias: true },
        ],
    ...(a.quantize ? { quantize: resolveQuantize(a.quantize, ctx) } : {}),
    ...origin(ctx, '/model/attention'),
  };
}

function resolveQuantize(q: Valid, ctx: Context): QuantizeSpec {
  const Q = DEFAULTS.quantize;
  const low: number = q.init?.low ?? Q.init.low;
  const high: number = q.init?.high ?? Q.init.high;
  const init: QuantizeSpec['init'] =
    q.init?.kind === 'random' ? { kind: 'random', low, high, seed: q.init.seed ?? Q.randomSeed } : { kind: 'linspace', low, high };
  return {
    anchors: q.anchors ?? Q.anchors,
    init,
    trainable: q.trainable ?? Q.trainable,
    lrScale: q.lr_scale ?? Q.lrScale,
    vqWeight: q.vq_weight ?? Q.vqWeight,
    commitWeight: q.commit_weight ?? Q.commitWeight,
    ...origin(ctx, '/model/attention/quantize'),
  };
}

export function resolveLayers(layers: readonly Valid[], pointer: string, ctx: Context): LayerSpec[] {
  return layers.map((l, i) => resolveLayer(l, `${pointer}/${i}`, ctx));
}

function resolveLayer(l: Valid, pointer: string, ctx: Context): LayerSpec {
  const base = { ...(l.name !== undefined ? { name: l.name as string } : {}), ...origin(ctx, pointer) };
  const L = DEFAULTS.layer;
  switch (l.type) {
    case 'conv':
      return {
        type: 'conv',
        filters: l.filters,
        kernel: pair(l.kernel ?? L.conv.kernel),
        stride: pair(l.stride ?? L.conv.stride),
        padding: (l.padding ?? L.conv.padding) as Padding,
        dilation: pair(l.dilation ?? L.conv.dilation),
        bias: l.bias ?? L.conv.bias,
        ...base,
      };
    case 'batchnorm':
      return { type: 'batchnorm', epsilon: l.epsilon ?? L.batchnorm.epsilon, momentum: l.momentum ?? L.batchnorm.momentum, ...base };
    case 'leaky_relu':
      return { type: 'leaky_relu', alpha: l.alpha ?? L.leakyReluAlpha, ...base };
    case 'relu':
    case 'sigmoid':
    case 'tanh':
    case 'elu':
    case 'gelu':
    case 'softplus':
      return { type: l.type, ...base };
    case 'maxpool':
    case 'avgpool': {
      const size = pair(l.size);
      return { type: l.type, size, stride: l.stride !== undefined ? pair(l.stride) : size, padding: (l.padding ?? L.pool.padding) as Padding, ...base };
    }
    case 'global_avgpool':
      return { type: 'global_avgpool', ...base };
    case 'adaptive_avgpool':
      return { type: 'adaptive_avgpool', size: pair(l.size), ...base };
    case 'dropout':
      return { type: 'dropout', rate: l.rate, ...base };
    case 'basic_block':
      return {
        type: 'basic_block',
        filters: l.filters,
        stride: l.stride ?? L.basicBlock.stride,
        preact: l.preact ?? L.basicBlock.preact,
        dropout: l.dropout ?? L.basicBlock.dropout,
        ...base,
      };
    case 'bottleneck':
      return {
        type: 'bottleneck',
        filters: l.filters,
        stride: l.stride ?? L.bottleneck.stride,
        expansion: l.expansion ?? L.bottleneck.expansion,
        widthFactor: l.width ?? L.bottleneck.width,
        ...base,
      };
    case 'flatten':
      return { type: 'flatten', ...base };
    default:
      return { type: 'linear', units: l.units, bias: l.bias ?? L.linear.bias, ...base };
  }
}

// ---------------------------------------------------------------- data

function resolveData(d: Valid, channels: number, ctx: Context): DataSpec {
  const D = DEFAULTS.data;
  const augment: AugmentSpec = {
    ...(d.augment?.crop ? { crop: { padding: d.augment.crop.padding ?? D.crop.padding, mode: d.augment.crop.mode ?? D.crop.mode } } : {}),
    flip: d.augment?.flip ?? D.flip,
  };
  const common = {
    validation: d.validation ?? D.validation,
    augment,
    normalize: {
      mean: (d.normalize?.mean as number[] | undefined) ?? new Array<number>(channels).fill(0),
      std: (d.normalize?.std as number[] | undefined) ?? new Array<number>(channels).fill(1),
    },
    ...origin(ctx, '/data'),
  };
  const path = (pointer: string, value: string) => filePath(ctx, pointer, value);
  switch (d.kind) {
    case 'idx':
      return {
        kind: 'idx',
        train: { images: path('/data/train/images', d.train.images), labels: path('/data/train/labels', d.train.labels) },
        test: { images: path('/data/test/images', d.test.images), labels: path('/data/test/labels', d.test.labels) },
        ...(d.clutter
          ? {
              clutter: {
                canvas: d.clutter.canvas,
                pieces: d.clutter.pieces ?? D.clutter.pieces,
                pieceSize: d.clutter.piece_size ?? D.clutter.pieceSize,
                seed: d.clutter.seed ?? D.clutter.seed,
              },
            }
          : {}),
        ...common,
      };
    case 'cifar10':
      return { kind: 'cifar10', path: path('/data/path', d.path), ...common };
    case 'cifar100':
      return { kind: 'cifar100', path: path('/data/path', d.path), labels: d.labels ?? 'fine', ...common };
    case 'folder':
      return {
        kind: 'folder',
        train: path('/data/train', d.train),
        test: path('/data/test', d.test),
        ...(d.resize !== undefined ? { resize: d.resize } : {}),
        ...common,
      };
    default:
      return {
        kind: 'synthetic',
        trainCount: d.train_count ?? D.synthetic.trainCount,
        testCount: d.test_count ?? D.synthetic.testCount,
        ...common,
      };
  }
}

// ---------------------------------------------------------------- train, export

function resolveTrain(t: Valid, ctx: Context): TrainSpec {
  const T = DEFAULTS.train;
  const batch: number = t.batch ?? T.batch;
  return {
    epochs: t.epochs ?? T.epochs,
    batchSize: batch,
    evalBatchSize: t.eval_batch ?? batch,
    optimizer: resolveOptimizer(t.optimizer ?? { kind: 'sgd' }),
    schedule: resolveSchedule(t.schedule ?? { kind: 'constant' }),
    ...(t.warmup ? { warmup: { lrs: [...(t.warmup.lrs as number[])] } } : {}),
    seed: t.seed ?? T.seed,
    checkpoint: { every: t.checkpoint?.every ?? T.checkpoint.every, keepBest: t.checkpoint?.keep_best ?? T.checkpoint.keepBest },
    ...(t.ema !== undefined ? { ema: t.ema } : {}),
    ...origin(ctx, '/train'),
  };
}

function resolveOptimizer(o: Valid): OptimizerSpec {
  if (o.kind === 'adam') {
    const A = DEFAULTS.train.adam;
    return {
      kind: 'adam',
      lr: o.lr ?? A.lr,
      beta1: o.beta1 ?? A.beta1,
      beta2: o.beta2 ?? A.beta2,
      epsilon: o.epsilon ?? A.epsilon,
      weightDecay: o.weight_decay ?? A.weightDecay,
    };
  }
  const S = DEFAULTS.train.sgd;
  return { kind: 'sgd', lr: o.lr ?? S.lr, momentum: o.momentum ?? S.momentum, nesterov: o.nesterov ?? S.nesterov, weightDecay: o.weight_decay ?? S.weightDecay };
}

function resolveSchedule(s: Valid): ScheduleSpec {
  const D = DEFAULTS.train.schedule;
  switch (s.kind) {
    case 'step':
      return { kind: 'step', every: s.every, gamma: s.gamma ?? D.gamma };
    case 'multistep':
      return { kind: 'multistep', milestones: [...(s.milestones as number[])], gamma: s.gamma ?? D.gamma };
    case 'exponential':
      return { kind: 'exponential', gamma: s.gamma, every: s.every ?? D.every };
    case 'cosine':
      return { kind: 'cosine', minLr: s.min_lr ?? D.minLr };
    default:
      return { kind: 'constant' };
  }
}

function resolveExport(e: Valid): ExportSpec {
  return {
    ...(e.opset !== undefined ? { opset: e.opset } : {}),
    dynamicBatch: e.dynamic_batch ?? DEFAULTS.export.dynamicBatch,
    layout: e.layout ?? DEFAULTS.export.layout,
  };
}
