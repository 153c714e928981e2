/**
 * The resolved spec: what a `.ibspec` file means once it is parsed, merged with
 * the file it extends, validated by the JSON Schema and filled with every
 * default. It is a plain, JSON-serialisable object (the run directory stores it
 * and hashes it), except for the optional `origin` fields, which point back at
 * the spec's source and are dropped when the spec is serialised.
 *
 * Downstream of this type nothing reads syntax: the model builder turns
 * `ResolvedSpec.model` into the IR, and the runtime reads `data`, `train`
 * and `export`.
 *
 * Conventions: shapes are [height, width, channels] per example (NHWC without
 * the batch); pairs such as kernel sizes are [height, width].
 */
import type { Span } from '../../diagnostics/diagnostic.js';

/** Where a piece of the spec came from. Optional so that specs built in code need none. */
export interface HasOrigin {
  readonly origin?: Span;
}

export interface ResolvedSpec {
  /** The spec's name: the `name` statement, else the file's base name without extension. For sweep members, suffixed (see expand). */
  readonly name: string;
  readonly model: ModelSpec;
  readonly data: DataSpec;
  readonly train: TrainSpec;
  readonly export: ExportSpec;
}

// ---------------------------------------------------------------- model

export interface ModelSpec extends HasOrigin {
  /** [height, width, channels]. */
  readonly input: readonly [number, number, number];
  readonly classes: number;
  /** Weight initialisation scheme (method.md "Initialisation"): vgg = Xavier-uniform gain sqrt(2), BN scale U(0,1); wrn = conv N(0, sqrt(2/(k*k*Cout))), BN 1/0; he = Kaiming-normal fan-in. */
  readonly init: 'vgg' | 'wrn' | 'he';
  readonly backbone: BackboneSpec;
  /** Absent for a plain baseline: then `classifier` maps the backbone's output to logits. */
  readonly attention?: AttentionSpec;
  /**
   * Baseline only: layers after the backbone producing logits
   * (default: [flatten if needed, linear(classes)]).
   */
  readonly classifier?: readonly LayerSpec[];
}

export type BackboneSpec =
  | VggBackbone
  | WideResNetBackbone
  | ResNetBackbone
  | CustomBackbone;

/** VGG-16. `vgg16_bn` is the CIFAR variant of reference-configs §1; `vgg16` has no batch norm (§3, CUB). */
export interface VggBackbone extends HasOrigin {
  readonly kind: 'vgg16_bn' | 'vgg16';
  /** Optional local weights file (a checkpoint of ours) for the trunk; never downloaded. */
  readonly weights?: string;
}

/** Pre-activation Wide ResNet for CIFAR (reference-configs §2). depth = 6n + 4. */
export interface WideResNetBackbone extends HasOrigin {
  readonly kind: 'wrn';
  readonly depth: number;
  readonly widen: number;
  readonly dropout: number;
  readonly weights?: string;
}

/** ImageNet-style ResNets (stem, layer1..layer4); wrn50_2 is ResNet-50 with bottleneck width doubled. */
export interface ResNetBackbone extends HasOrigin {
  readonly kind: 'resnet18' | 'resnet34' | 'resnet50' | 'wrn50_2';
  readonly weights?: string;
}

export interface CustomBackbone extends HasOrigin {
  readonly kind: 'custom';
  readonly stages: readonly StageSpec[];
}

/** A named, ordered group of layers. Stage names are the insertion points. */
export interface StageSpec extends HasOrigin {
  readonly name: string;
  readonly layers: readonly LayerSpec[];
}

export type Padding = 'same' | 'valid' | number;

export type LayerSpec =
  | ConvLayer
  | BatchNormLayer
  | ActivationLayer
  | PoolLayer
  | GlobalAvgPoolLayer
  | AdaptiveAvgPoolLayer
  | DropoutLayer
  | BasicBlockLayer
  | BottleneckLayer
  | FlattenLayer
  | LinearLayer;

interface LayerBase extends HasOrigin {
  /** Optional user-given name; node names in targets derive from it. */
  readonly name?: string;
}

export interface ConvLayer extends LayerBase {
  readonly type: 'conv';
  readonly filters: number;
  readonly kernel: readonly [number, number];
  readonly stride: readonly [number, number];
  /** 'same' (TF semantics), 'valid', or explicit symmetric zero padding in pixels. */
  readonly padding: Padding;
  readonly dilation: readonly [number, number];
  readonly bias: boolean;
}

export interface BatchNormLayer extends LayerBase {
  readonly type: 'batchnorm';
  readonly epsilon: number;
  /** Moving-average momentum in the PyTorch sense: new = (1 - m) * old + m * batch. */
  readonly momentum: number;
}

export type ActivationKind = 'relu' | 'sigmoid' | 'tanh' | 'leaky_relu' | 'elu' | 'gelu' | 'softplus';

export interface ActivationLayer extends LayerBase {
  readonly type: ActivationKind;
  /** leaky_relu only. */
  readonly alpha?: number;
}

export interface PoolLayer extends LayerBase {
  readonly type: 'maxpool' | 'avgpool';
  readonly size: readonly [number, number];
  readonly stride: readonly [number, number];
  readonly padding: Padding;
}

export interface GlobalAvgPoolLayer extends LayerBase {
  readonly type: 'global_avgpool';
}

/** PyTorch AdaptiveAvgPool2d to a fixed output size (CUB VGG encoder pools to 3x3). */
export interface AdaptiveAvgPoolLayer extends LayerBase {
  readonly type: 'adaptive_avgpool';
  readonly size: readonly [number, number];
}

export interface DropoutLayer extends LayerBase {
  readonly type: 'dropout';
  readonly rate: number;
}

/**
 * Two 3x3 convolutions with a shortcut. `preact` selects the pre-activation
 * form used by Wide ResNets (BN-ReLU-conv, with dropout between the convs).
 * The shortcut is a 1x1 convolution when the shape changes.
 */
export interface BasicBlockLayer extends LayerBase {
  readonly type: 'basic_block';
  readonly filters: number;
  readonly stride: number;
  readonly preact: boolean;
  readonly dropout: number;
}

/** 1x1 -> 3x3 (stride here, torchvision v1.5 style) -> 1x1 with expansion; output channels = filters * expansion. */
export interface BottleneckLayer extends LayerBase {
  readonly type: 'bottleneck';
  /** Base width (the "planes"). */
  readonly filters: number;
  readonly stride: number;
  readonly expansion: number;
  /** Inner width multiplier (2 for WRN-50-2). */
  readonly widthFactor: number;
}

export interface FlattenLayer extends LayerBase {
  readonly type: 'flatten';
}

export interface LinearLayer extends LayerBase {
  readonly type: 'linear';
  readonly units: number;
  readonly bias: boolean;
}

// ---------------------------------------------------------------- attention

export interface AttentionSpec extends HasOrigin {
  /** Name of the insertion point: a stage name of the backbone. */
  readonly at: string;
  /** Span of the `at` value, for "unknown insertion point" errors. */
  readonly atOrigin?: Span;
  /**
   * Layers mapping the feature map f [h,w,C] to the attention mean's pre-activation.
   * Default: [conv(1, kernel 3, same, bias)] — the mean head always ends with a
   * sigmoid that the builder appends; the last layer must produce 1 channel.
   */
  readonly head: readonly LayerSpec[];
  /** Expected map size [h, w]; checked against the head's output shape. Absent = whatever the head yields. */
  readonly mapSize?: readonly [number, number];
  /** The std head: conv kxk (1->1, bias) on mu_a, then softplus(x + offset). Reference: kernel 3, offset -5. */
  readonly stdHead: { readonly kernel: number; readonly offset: number };
  /** Latent size K. The encoder ends with linear(2K). */
  readonly latent: number;
  /** Layers the builder inserts between the rest of the backbone and linear(2K); default: flatten when the tail is not flat. */
  readonly encoderHead: readonly LayerSpec[];
  /** Latent std: softplus(s[K:] + offset), reference offset -5. */
  readonly latentStdOffset: number;
  readonly beta: number;
  /** 'standard' = correct VIB KL to N(0, I); 'reference' = the released code's form (method.md). */
  readonly klForm: 'standard' | 'reference';
  /** The constant c multiplying beta (0.5 in the VGG code, 1 in WRN/CUB). */
  readonly klScale: number;
  /** Samples n at train and at eval; 0 means the deterministic mean. n maps x n latents per example, logits averaged. */
  readonly samples: { readonly train: number; readonly eval: number };
  /** Decoder from z (K) to logits; the last layer must output `classes` units. Default [linear K, relu, linear classes]. */
  readonly decoder: readonly LayerSpec[];
  readonly quantize?: QuantizeSpec;
}

export interface QuantizeSpec extends HasOrigin {
  readonly anchors: number;
  readonly init:
    | { readonly kind: 'linspace'; readonly low: number; readonly high: number }
    | { readonly kind: 'random'; readonly low: number; readonly high: number; readonly seed: number };
  readonly trainable: boolean;
  /** Anchor learning rate = base lr * lrScale (WRN reference: 1e-4; VGG reference effectively 1). */
  readonly lrScale: number;
  readonly vqWeight: number;
  readonly commitWeight: number;
}

// ---------------------------------------------------------------- data

export type DataSpec = IdxData | CifarData | FolderData | SyntheticData;

interface DataBase extends HasOrigin {
  /** Fraction of the training set held out for validation (0 = none). Split is seeded by train.seed. */
  readonly validation: number;
  readonly augment: AugmentSpec;
  /** Per-channel, applied after scaling pixels to [0, 1]. Defaults: mean 0, std 1. */
  readonly normalize: { readonly mean: readonly number[]; readonly std: readonly number[] };
}

/** Gzipped or plain IDX files, as Debian's dataset-fashion-mnist ships them. */
export interface IdxData extends DataBase {
  readonly kind: 'idx';
  readonly train: { readonly images: string; readonly labels: string };
  readonly test: { readonly images: string; readonly labels: string };
  /** Cluttered, translated variant: each image on a larger canvas with clutter patches (runtime/data/clutter.ts). */
  readonly clutter?: ClutterSpec;
}

/** `clutter canvas=60 pieces=8 piece_size=8 seed=0`: see runtime/data/clutter.ts. */
export interface ClutterSpec {
  readonly canvas: number;
  readonly pieces: number;
  readonly pieceSize: number;
  readonly seed: number;
}

/** The CIFAR binary distribution: a folder with data_batch_*.bin / test_batch.bin (10) or train.bin / test.bin (100). */
export interface CifarData extends DataBase {
  readonly kind: 'cifar10' | 'cifar100';
  readonly path: string;
  /** CIFAR-100 only: which label to use. */
  readonly labels?: 'fine' | 'coarse';
}

/** One subfolder per class (sorted names = class indices), for train and test; images resized to the model input. */
export interface FolderData extends DataBase {
  readonly kind: 'folder';
  readonly train: string;
  readonly test: string;
  /** Resize shorter side to this before cropping (CUB: 256); absent = resize straight to the input size. */
  readonly resize?: number;
}

/** Generated in memory from the seed: for tests and demos that need no files. */
export interface SyntheticData extends DataBase {
  readonly kind: 'synthetic';
  readonly trainCount: number;
  readonly testCount: number;
}

export interface AugmentSpec {
  /** Random crop back to the input size after padding by `padding` pixels. */
  readonly crop?: { readonly padding: number; readonly mode: 'reflect' | 'zero' };
  readonly flip: 'none' | 'horizontal';
}

// ---------------------------------------------------------------- training

export interface TrainSpec extends HasOrigin {
  readonly epochs: number;
  readonly batchSize: number;
  readonly evalBatchSize: number;
  readonly optimizer: OptimizerSpec;
  readonly schedule: ScheduleSpec;
  /** Optional warm-up: explicit learning rates for the first len(lrs) epochs; the schedule applies from then on (see ScheduleSpec). */
  readonly warmup?: { readonly lrs: readonly number[] };
  readonly seed: number;
  readonly checkpoint: { readonly every: number; readonly keepBest: boolean };
  /** Exponential moving average of weights (decay), evaluated with the averaged weights. */
  readonly ema?: number;
}

export type OptimizerSpec =
  | {
      readonly kind: 'sgd';
      readonly lr: number;
      readonly momentum: number;
      readonly nesterov: boolean;
      /** L2 added to the gradients, as PyTorch's SGD does. */
      readonly weightDecay: number;
    }
  | {
      readonly kind: 'adam';
      readonly lr: number;
      readonly beta1: number;
      readonly beta2: number;
      readonly epsilon: number;
      readonly weightDecay: number;
    };

/**
 * Learning rate as a function of the epoch index e (0-based). Warm-up epochs,
 * when given, use their listed rates and the schedule sees the real epoch index
 * (so "0.1 * 0.5^floor(e/25) after a 1-epoch warm-up" is step{every 25} + warmup [0.01]).
 */
export type ScheduleSpec =
  | { readonly kind: 'constant' }
  | { readonly kind: 'multistep'; readonly milestones: readonly number[]; readonly gamma: number }
  | { readonly kind: 'step'; readonly every: number; readonly gamma: number }
  | { readonly kind: 'exponential'; readonly gamma: number; readonly every: number }
  | { readonly kind: 'cosine'; readonly minLr: number };

// ---------------------------------------------------------------- export

export interface ExportSpec {
  /** Undefined = the newest the bundled onnxruntime supports. */
  readonly opset?: number;
  readonly dynamicBatch: boolean;
  readonly layout: 'nhwc' | 'nchw';
}
