/**
 * The typed model IR: the one interface between the language and the targets
 * (TF.js, ONNX, the reference interpreter). Small and closed: every composite
 * layer of the language (VGG blocks, basic/bottleneck blocks, the attention
 * module) is decomposed into these primitives once, by the model builder.
 *
 * Layout: activations are NHWC. Shapes stored on nodes are per example
 * (no batch dimension): [h, w, c] for maps, [n] for vectors. Filters are HWIO,
 * dense weights are [in, out].
 *
 * Stochastic semantics (docs/method.md, section 2): `Sample` draws mean + std * eps. With a run's
 * sample count n > 0, each Sample node tiles its inputs n times along the batch
 * (sample-major: row s*B' + b), so after the attention and the latent sample the
 * batch is n*n*B; `SampleMean` reshapes its input to [-1, B, ...] (B = the
 * model input's batch) and averages over the first axis. With n = 0 a Sample
 * returns its mean input and SampleMean is the identity.
 */
import type { Span } from '../../diagnostics/diagnostic.js';

/** The closed set of IR operations. */
export const OPS = [
  'Input',
  'Conv2D',
  'BatchNorm',
  'Activation',
  'ShiftedSoftplus',
  'MaxPool',
  'AvgPool',
  'GlobalAvgPool',
  'AdaptiveAvgPool',
  'Dropout',
  'Add',
  'Flatten',
  'Dense',
  'Slice',
  'Sample',
  'Quantize',
  'ResizeNearest',
  'Modulate',
  'SampleMean',
] as const;

export type Op = (typeof OPS)[number];

/** Explicit padding in pixels, resolved from 'same'/'valid'/n by the builder (TF 'same' may be asymmetric). */
export interface Pads {
  readonly top: number;
  readonly bottom: number;
  readonly left: number;
  readonly right: number;
}

/** One typed attribute record per op. */
export interface OpAttrs {
  Input: { readonly shape: readonly [number, number, number] };
  /** Inputs: [x]. Params: kernel (HWIO), bias? ([out]). */
  Conv2D: {
    readonly filters: number;
    readonly kernel: readonly [number, number];
    readonly stride: readonly [number, number];
    readonly dilation: readonly [number, number];
    readonly pads: Pads;
    readonly bias: boolean;
  };
  /** Inputs: [x] (NHWC, normalised over N,H,W; or [n] vectors). Params: gamma, beta; buffers: movingMean, movingVariance. */
  BatchNorm: { readonly epsilon: number; readonly momentum: number };
  /** gelu is the exact erf form; alpha: leaky_relu slope (builder default 0.01), elu scale (default 1). */
  Activation: { readonly fn: 'relu' | 'sigmoid' | 'tanh' | 'leaky_relu' | 'elu' | 'gelu' | 'softplus'; readonly alpha?: number };
  /** softplus(x + shift). Used for the attention std head (shift -5) and the latent std. */
  ShiftedSoftplus: { readonly shift: number };
  MaxPool: { readonly size: readonly [number, number]; readonly stride: readonly [number, number]; readonly pads: Pads };
  /** Average pooling; padded cells are excluded from the count (TF semantics). */
  AvgPool: { readonly size: readonly [number, number]; readonly stride: readonly [number, number]; readonly pads: Pads };
  /** [h,w,c] -> [c]. */
  GlobalAvgPool: Record<string, never>;
  /** [h,w,c] -> [oh,ow,c] with PyTorch's adaptive bins (start=floor(i*h/oh), end=ceil((i+1)*h/oh)). */
  AdaptiveAvgPool: { readonly size: readonly [number, number] };
  /** Identity at inference; inverted dropout in training. */
  Dropout: { readonly rate: number };
  /** Inputs: [a, b] with equal shapes. */
  Add: Record<string, never>;
  /** [h,w,c] -> [h*w*c] in NHWC order. */
  Flatten: Record<string, never>;
  /** Inputs: [x] ([n]). Params: kernel ([in, out]), bias? ([out]). */
  Dense: { readonly units: number; readonly bias: boolean };
  /** Slice along the last axis: [begin, begin + size). */
  Slice: { readonly begin: number; readonly size: number };
  /** Inputs: [mean, std] of equal shape. `role` says which sample count applies and what the loss taps. */
  Sample: { readonly role: 'attention' | 'latent' };
  /**
   * Nearest-anchor quantization of the attention map with a straight-through
   * gradient. Inputs: [a]. Params: anchors ([anchorCount]).
   * Forward value: the nearest anchor per element (ties: the lowest anchor index); gradient w.r.t. a: identity.
   * Anchors get gradient only through the loss's vq term (LossSpec's 'vq').
   */
  Quantize: { readonly anchorCount: number };
  /** Nearest-neighbour resize of a map to `size` (PyTorch 'nearest': src = floor(dst * in / out)). */
  ResizeNearest: { readonly size: readonly [number, number] };
  /**
   * Inputs: [f [h,w,C], a [h,w,1]]. Output f + f * a.
   * With attention samples n > 0, a's batch is n times f's: f is tiled sample-major (row r reads f[r mod B]).
   */
  Modulate: Record<string, never>;
  /** Inputs: [x]. Average over the samples folded into the batch. */
  SampleMean: Record<string, never>;
}

export type ParamRole = 'kernel' | 'bias' | 'gamma' | 'beta' | 'movingMean' | 'movingVariance' | 'anchors';

/** How a parameter is initialised. All random draws come from the run's seeded generator. */
export type Initializer =
  | { readonly kind: 'zeros' }
  | { readonly kind: 'ones' }
  | { readonly kind: 'constant'; readonly value: number }
  /** U(-b, b) with b = gain * sqrt(6 / (fanIn + fanOut)). */
  | { readonly kind: 'xavierUniform'; readonly gain: number }
  /** N(0, std). */
  | { readonly kind: 'normal'; readonly std: number }
  /** U(low, high). `seed` (optional): drawn from its own generator seeded so (e.g. anchors `init random seed=3`), not the run's. */
  | { readonly kind: 'uniform'; readonly low: number; readonly high: number; readonly seed?: number }
  | { readonly kind: 'linspace'; readonly low: number; readonly high: number }
  /** PyTorch's default for conv/linear weights, kaiming_uniform(a=sqrt 5), which is U(-1/sqrt(fanIn), 1/sqrt(fanIn)). */
  | { readonly kind: 'torchDefault' };

export interface ParamSpec {
  /** Unique, slash-separated, derived from spec names: "backbone/stage2/conv1/kernel". */
  readonly name: string;
  readonly shape: readonly number[];
  readonly init: Initializer;
  /** Buffers (BN moving statistics) are state, not trained by the optimizer. */
  readonly trainable: boolean;
  /** Buffers are state the optimizer never updates (BN moving statistics); weights are everything else, anchors included. */
  readonly group: 'weights' | 'buffers';
  /** Fan-in / fan-out for initialisers that need them. */
  readonly fanIn: number;
  readonly fanOut: number;
  /**
   * A parameter that trains does so at the schedule's rate times this (1 for almost every
   * parameter; the reference's anchors train at 1e-4). Read only when it trains.
   */
  readonly lrScale: number;
}

export interface IrNode<O extends Op = Op> {
  /** Unique node id; also the node name in targets. Traces to the spec ("backbone/stage2/conv1"). */
  readonly id: string;
  readonly op: O;
  readonly attrs: OpAttrs[O];
  /** Ids of input nodes, in the op's order. */
  readonly inputs: readonly string[];
  /** Role -> parameter name in `ModelIR.params`. */
  readonly params: Readonly<Partial<Record<ParamRole, string>>>;
  /** Inferred per-example output shape. */
  readonly shape: readonly number[];
  /** The spec construct this node was built from. */
  readonly origin?: Span;
}

/** The terms the training objective can have (docs/method.md, section 4). */
export const LOSS_TERMS = ['crossEntropy', 'kl', 'vq', 'commit'] as const;
export type LossTermKind = (typeof LOSS_TERMS)[number];

/**
 * One weighted term of the objective.
 * - crossEntropy: softmax cross-entropy of the logits tap against the labels, mean over the batch.
 * - kl: KL of the latent taps against N(0, I) in `klForm` ('reference': the released code's
 *   posterior scale exp(sd)); weight = beta * c.
 * - vq: mean (a_q - sg(a))^2 over the attention sample tap, a_q the nearest anchor of the
 *   quantizer (taps.attentionQuantized); moves the anchors only.
 * - commit: mean (a - sg(a_q))^2; pulls the map towards the anchors.
 */
export type LossTerm =
  | { readonly kind: 'crossEntropy'; readonly weight: number }
  | { readonly kind: 'kl'; readonly weight: number; readonly klForm: 'standard' | 'reference' }
  | { readonly kind: 'vq'; readonly weight: number }
  | { readonly kind: 'commit'; readonly weight: number };

/**
 * The loss, as docs/method.md (section 4) defines it, as data: its terms and their weights. Engines compute
 * it from the taps. `unit` is what the information terms (crossEntropy, kl) enter the
 * objective in: 'bits' (divided by ln 2: the IB objective, as the reference writes it) or
 * 'nats' (a plain classifier's cross-entropy). The objective is the information terms'
 * sum plus the map terms' (vq, commit) sum.
 */
export interface LossSpec {
  readonly classes: number;
  readonly unit: 'bits' | 'nats';
  /** At most one term of each kind, in LOSS_TERMS order. */
  readonly terms: readonly LossTerm[];
}

/**
 * How the engines update the trainable parameters: torch.optim's SGD (momentum, Nesterov)
 * or Adam, L2 weight decay added to the gradient. The rate is not here: the training loop
 * gives each step its rate from the schedule, and each parameter takes it times its
 * ParamSpec.lrScale.
 */
export type OptimizerIR =
  | { readonly kind: 'sgd'; readonly momentum: number; readonly nesterov: boolean; readonly weightDecay: number }
  | { readonly kind: 'adam'; readonly beta1: number; readonly beta2: number; readonly epsilon: number; readonly weightDecay: number };

/** What a training engine runs: the model (its parameters' rate scales and its loss terms included) and how its parameters are updated. */
export interface TrainingIR {
  readonly model: ModelIR;
  readonly optimizer: OptimizerIR;
  /** An exponential moving average of the trainable weights (shadow = decay * shadow + (1 - decay) * weight per step), which evaluation uses. */
  readonly weightAverage?: { readonly decay: number };
}

/** Named nodes the losses, exports and attention images read. */
export interface ModelTaps {
  /** Node ids. `logits` always; the rest exist when the model has attention. */
  readonly logits: string;
  /** mu_a: the attention mean map [h,w,1] (before sampling). */
  readonly attentionMean?: string;
  /** a: the (possibly sampled) continuous map fed to the quantizer / modulation. */
  readonly attentionSample?: string;
  /** a_q: the Quantize node. */
  readonly attentionQuantized?: string;
  /** mu_z and sd_z: the latent statistics. */
  readonly latentMean?: string;
  readonly latentStd?: string;
}

export interface ModelIR {
  readonly name: string;
  /** The single input node id (always "image"). */
  readonly input: string;
  readonly inputShape: readonly [number, number, number];
  readonly classes: number;
  /** Topologically ordered. */
  readonly nodes: readonly IrNode[];
  readonly params: readonly ParamSpec[];
  readonly taps: ModelTaps;
  readonly loss: LossSpec;
  /** Sample counts from the spec (0 = deterministic mean). Targets may be asked to override them. */
  readonly samples: { readonly train: number; readonly eval: number };
}
