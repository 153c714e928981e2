/**
 * The resolved spec: what a `.ibspec` file means once it is parsed, merged with
 * the file it extends, validated by the JSON Schema and filled with every
 * default. It is a plain, JSON-serialisable object (the run directory stores it
 * and hashes it), except for the optional `origin` fields, which point back at
 * the spec's source and are dropped when the spec is serialised.
 *
 * Every type here is derived from the language definition (definitions.ts):
 * a key's resolved name (`as`), its type, and whether it is always present
 * (required, defaulted or computed) come from its one definition there, where
 * the meaning of each field is documented.
 *
 * Downstream of this type nothing reads syntax: the model builder turns
 * `ResolvedSpec.model` into the IR, and the runtime reads `data`, `train`
 * and `export`.
 *
 * Conventions: shapes are [height, width, channels] per example (NHWC without
 * the batch); pairs such as kernel sizes are [height, width].
 */
import type { LAYER, SPEC } from './definitions.js';
import type { DocType, ResolvedType } from './key.js';

export type { HasOrigin } from './key.js';

/** A spec document the JSON Schema accepted: surface names (`eval_batch`), defaults not filled in. */
export type SpecDocument = DocType<typeof SPEC>;

export type ResolvedSpec = ResolvedType<typeof SPEC>;

// ---------------------------------------------------------------- model

export type ModelSpec = ResolvedSpec['model'];

export type BackboneSpec = ModelSpec['backbone'];
/** VGG-16. `vgg16_bn` is the CIFAR variant of docs/method.md §8.1; `vgg16` has no batch norm (§3, CUB). */
export type VggBackbone = Extract<BackboneSpec, { readonly kind: 'vgg16_bn' | 'vgg16' }>;
/** Pre-activation Wide ResNet for CIFAR (docs/method.md §8.2). depth = 6n + 4. */
export type WideResNetBackbone = Extract<BackboneSpec, { readonly kind: 'wrn' }>;
/** ImageNet-style ResNets (stem, layer1..layer4); wrn50_2 is ResNet-50 with bottleneck width doubled. */
export type ResNetBackbone = Extract<BackboneSpec, { readonly kind: 'resnet18' | 'resnet34' | 'resnet50' | 'wrn50_2' }>;
export type CustomBackbone = Extract<BackboneSpec, { readonly kind: 'custom' }>;
/** A named, ordered group of layers. Stage names are the insertion points. */
export type StageSpec = CustomBackbone['stages'][number];

export type LayerSpec = ResolvedType<typeof LAYER>;
export type ConvLayer = Extract<LayerSpec, { readonly type: 'conv' }>;
export type BatchNormLayer = Extract<LayerSpec, { readonly type: 'batchnorm' }>;
export type ActivationKind = (typeof LAYER.variants.activation.tags)[number];
export type ActivationLayer = Extract<LayerSpec, { readonly type: ActivationKind }>;
export type PoolLayer = Extract<LayerSpec, { readonly type: 'maxpool' | 'avgpool' }>;
export type GlobalAvgPoolLayer = Extract<LayerSpec, { readonly type: 'global_avgpool' }>;
export type AdaptiveAvgPoolLayer = Extract<LayerSpec, { readonly type: 'adaptive_avgpool' }>;
export type DropoutLayer = Extract<LayerSpec, { readonly type: 'dropout' }>;
export type BasicBlockLayer = Extract<LayerSpec, { readonly type: 'basic_block' }>;
export type BottleneckLayer = Extract<LayerSpec, { readonly type: 'bottleneck' }>;
export type FlattenLayer = Extract<LayerSpec, { readonly type: 'flatten' }>;
export type LinearLayer = Extract<LayerSpec, { readonly type: 'linear' }>;
/** 'same' (TF semantics), 'valid', or explicit symmetric zero padding in pixels. */
export type Padding = ConvLayer['padding'];

// ---------------------------------------------------------------- attention

export type AttentionSpec = NonNullable<ModelSpec['attention']>;
export type QuantizeSpec = NonNullable<AttentionSpec['quantize']>;

// ---------------------------------------------------------------- data

export type DataSpec = ResolvedSpec['data'];
/** Gzipped or plain IDX files, as Debian's dataset-fashion-mnist ships them. */
export type IdxData = Extract<DataSpec, { readonly kind: 'idx' }>;
/** The CIFAR binary distribution; `labels` only for cifar100. */
export type CifarData = Extract<DataSpec, { readonly kind: 'cifar10' | 'cifar100' }>;
export type FolderData = Extract<DataSpec, { readonly kind: 'folder' }>;
export type SyntheticData = Extract<DataSpec, { readonly kind: 'synthetic' }>;
export type AugmentSpec = DataSpec['augment'];

// ---------------------------------------------------------------- training, export

export type TrainSpec = ResolvedSpec['train'];
export type OptimizerSpec = TrainSpec['optimizer'];
/**
 * Learning rate as a function of the epoch index e (0-based). Warm-up epochs,
 * when given, use their listed rates and the schedule sees the real epoch index
 * (so "0.1 * 0.5^floor(e/25) after a 1-epoch warm-up" is step{every 25} + warmup [0.01]).
 */
export type ScheduleSpec = TrainSpec['schedule'];
export type ExportSpec = ResolvedSpec['export'];
