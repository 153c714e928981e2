/**
 * The spec vocabulary: every section, key, option and layer type the language
 * knows, and how each statement becomes part of the spec document. This table
 * is the one place that says what a keyword means; `from-ast.ts` only walks it.
 *
 * Statement forms:
 *  - value:  `beta 0.01`               -> the one positional value
 *  - record: `optimizer sgd lr=0.1`     -> { kind: 'sgd', lr: 0.1 }: positional values
 *            get the names in `positional`, options keep their names, and a block
 *            is either more keyed statements (`keys`) or a layer list (`layersField`)
 *  - layers: `decoder { linear 10 }`    -> [ { type: 'linear', units: 10 } ]
 * A rule with `append` collects repeated statements into an array (`stage`).
 */

export interface ValueRule {
  readonly form: 'value';
  readonly doc: string;
}

export interface RecordRule {
  readonly form: 'record';
  readonly doc: string;
  /** Field names for positional values, in order. */
  readonly positional?: readonly string[];
  /** Option names (`name=value`) this statement accepts. */
  readonly options?: readonly string[];
  /** The block holds keyed statements of this table. */
  readonly keys?: RuleTable;
  /** The block holds layers, stored under this field. */
  readonly layersField?: string;
  /** `train "dir"` (one value, nothing else) is that plain value rather than a record. */
  readonly scalarWhenSingle?: boolean;
  /** Each statement appends an item to this array field of the parent instead of setting its own key. */
  readonly append?: string;
}

export interface LayersRule {
  readonly form: 'layers';
  readonly doc: string;
}

export type Rule = ValueRule | RecordRule | LayersRule;
export type RuleTable = Readonly<Record<string, Rule>>;

export interface LayerRule {
  readonly doc: string;
  readonly positional: readonly string[];
  readonly options: readonly string[];
}

const value = (doc: string): ValueRule => ({ form: 'value', doc });
const layers = (doc: string): LayersRule => ({ form: 'layers', doc });

// ---------------------------------------------------------------- layers

const ACTIVATION_DOC = 'activation';

/** Layer statements, allowed in `stage`, `head`, `decoder`, `classifier` and `encoder_head` blocks. `repeat N { }` is handled by the lowering. */
export const layerRules: Readonly<Record<string, LayerRule>> = {
  conv: { doc: 'convolution', positional: ['filters'], options: ['kernel', 'stride', 'padding', 'dilation', 'bias', 'name'] },
  batchnorm: { doc: 'batch normalisation', positional: [], options: ['epsilon', 'momentum', 'name'] },
  relu: { doc: ACTIVATION_DOC, positional: [], options: ['name'] },
  sigmoid: { doc: ACTIVATION_DOC, positional: [], options: ['name'] },
  tanh: { doc: ACTIVATION_DOC, positional: [], options: ['name'] },
  elu: { doc: ACTIVATION_DOC, positional: [], options: ['name'] },
  gelu: { doc: ACTIVATION_DOC, positional: [], options: ['name'] },
  softplus: { doc: ACTIVATION_DOC, positional: [], options: ['name'] },
  leaky_relu: { doc: ACTIVATION_DOC, positional: [], options: ['alpha', 'name'] },
  maxpool: { doc: 'max pooling', positional: ['size'], options: ['stride', 'padding', 'name'] },
  avgpool: { doc: 'average pooling', positional: ['size'], options: ['stride', 'padding', 'name'] },
  global_avgpool: { doc: 'global average pooling', positional: [], options: ['name'] },
  adaptive_avgpool: { doc: 'adaptive average pooling', positional: ['size'], options: ['name'] },
  dropout: { doc: 'dropout', positional: ['rate'], options: ['name'] },
  basic_block: { doc: 'residual basic block', positional: ['filters'], options: ['stride', 'preact', 'dropout', 'name'] },
  bottleneck: { doc: 'residual bottleneck block', positional: ['filters'], options: ['stride', 'expansion', 'width', 'name'] },
  flatten: { doc: 'flatten', positional: [], options: ['name'] },
  linear: { doc: 'fully connected', positional: ['units'], options: ['bias', 'name'] },
};

/** `repeat N { layers }`: expanded by the lowering. */
export const REPEAT_KEYWORD = 'repeat';

// ---------------------------------------------------------------- sections

const quantizeKeys: RuleTable = {
  anchors: value('number of anchor values Q'),
  init: { form: 'record', doc: 'anchor initialisation', positional: ['kind'], options: ['low', 'high', 'seed'] },
  trainable: value('whether anchors are learned'),
  lr_scale: value('anchor learning rate = lr * lr_scale'),
  vq_weight: value('lambda_vq'),
  commit_weight: value('lambda_c'),
};

const attentionKeys: RuleTable = {
  at: value('insertion point (a stage name)'),
  head: layers('attention mean head'),
  map: value('expected map size'),
  std_head: { form: 'record', doc: 'attention std head', options: ['kernel', 'offset'] },
  latent: value('latent size K'),
  encoder_head: layers('layers before linear(2K)'),
  latent_std_offset: value('latent std softplus offset'),
  beta: value('KL weight'),
  kl: value('KL form'),
  kl_scale: value('constant c multiplying beta'),
  samples: { form: 'record', doc: 'samples at train and eval', options: ['train', 'eval'] },
  decoder: layers('decoder from z to logits'),
  quantize: { form: 'record', doc: 'anchor quantization (aib-qt)', keys: quantizeKeys },
};

const backboneKeys: RuleTable = {
  stage: { form: 'record', doc: 'a named stage of a custom backbone', positional: ['name'], layersField: 'layers', append: 'stages' },
};

const modelKeys: RuleTable = {
  input: value('input shape HxWxC'),
  classes: value('number of classes'),
  init: value('weight initialisation'),
  backbone: {
    form: 'record',
    doc: 'the backbone network',
    positional: ['kind'],
    options: ['weights', 'depth', 'widen', 'dropout'],
    keys: backboneKeys,
  },
  attention: { form: 'record', doc: 'the IB attention module', options: ['at'], keys: attentionKeys },
  classifier: layers('baseline classifier layers'),
};

const augmentKeys: RuleTable = {
  crop: { form: 'record', doc: 'random crop after padding', options: ['padding', 'mode'] },
  flip: value('random flip'),
};

const splitRule: RecordRule = {
  form: 'record',
  doc: 'a data split: files (idx) or a folder',
  options: ['images', 'labels'],
  scalarWhenSingle: true,
};

const DATA_HEADER_OPTIONS = ['path', 'labels', 'train', 'test', 'resize', 'train_count', 'test_count'] as const;

const dataKeys: RuleTable = {
  train: splitRule,
  test: splitRule,
  path: value('cifar folder'),
  labels: value('cifar100 labels: fine | coarse'),
  resize: value('folder: resize shorter side'),
  train_count: value('synthetic: training examples'),
  test_count: value('synthetic: test examples'),
  validation: value('validation fraction'),
  augment: { form: 'record', doc: 'training augmentation', keys: augmentKeys },
  normalize: { form: 'record', doc: 'per-channel normalisation', options: ['mean', 'std'] },
  clutter: { form: 'record', doc: 'idx: cluttered, translated canvas', options: ['canvas', 'pieces', 'piece_size', 'seed'] },
};

const trainKeys: RuleTable = {
  epochs: value('number of epochs'),
  batch: value('training batch size'),
  eval_batch: value('evaluation batch size'),
  optimizer: {
    form: 'record',
    doc: 'optimizer',
    positional: ['kind'],
    options: ['lr', 'momentum', 'nesterov', 'weight_decay', 'beta1', 'beta2', 'epsilon'],
  },
  schedule: { form: 'record', doc: 'learning-rate schedule', positional: ['kind'], options: ['every', 'gamma', 'milestones', 'min_lr'] },
  warmup: { form: 'record', doc: 'warm-up learning rates', positional: ['lrs'], options: ['lrs'] },
  seed: value('the one seed of the run'),
  checkpoint: { form: 'record', doc: 'checkpointing', options: ['every', 'keep_best'] },
  ema: value('weight EMA decay'),
};

const exportKeys: RuleTable = {
  opset: value('ONNX opset'),
  dynamic_batch: value('symbolic batch dimension'),
  layout: value('input layout of exports'),
};

/** The top level of a spec file. `extends` and `sweep` are handled specially by the lowering. */
export const topLevelRules: RuleTable = {
  name: value('the spec name'),
  model: { form: 'record', doc: 'the model', keys: modelKeys },
  data: { form: 'record', doc: 'the data set', positional: ['kind'], options: [...DATA_HEADER_OPTIONS], keys: dataKeys },
  train: { form: 'record', doc: 'training', keys: trainKeys },
  export: { form: 'record', doc: 'export settings', keys: exportKeys },
};

export const EXTENDS_KEYWORD = 'extends';
export const SWEEP_KEYWORD = 'sweep';

/** Every top-level word, for "did you mean". */
export const TOP_LEVEL_WORDS: readonly string[] = [...Object.keys(topLevelRules), EXTENDS_KEYWORD, SWEEP_KEYWORD];

/**
 * Resolves a dotted path (`model.attention.beta`, `train.optimizer.lr`) to the
 * rule that sets it. The path may end at a value rule, or at a positional or
 * option field of a record rule. Returns the index of the first unknown part
 * and the names that would have been accepted there when it does not resolve.
 */
export type PathLookup =
  | { readonly ok: true; readonly rule: Rule | 'field' }
  | { readonly ok: false; readonly badIndex: number; readonly candidates: readonly string[]; readonly reason: 'unknown' | 'not-a-value' };

export function lookupPath(parts: readonly string[]): PathLookup {
  let table: RuleTable | undefined = topLevelRules;
  let record: RecordRule | undefined;
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i];
    const last = i === parts.length - 1;
    const fields: readonly string[] = record ? [...(record.positional ?? []), ...(record.options ?? [])] : [];
    if (last && fields.includes(part)) return { ok: true, rule: 'field' };
    const rule: Rule | undefined = table?.[part];
    if (!rule || (rule.form === 'record' && rule.append)) {
      return { ok: false, badIndex: i, candidates: [...Object.keys(table ?? {}), ...(last ? fields : [])], reason: 'unknown' };
    }
    if (last) {
      return rule.form === 'value' ? { ok: true, rule } : { ok: false, badIndex: i, candidates: [], reason: 'not-a-value' };
    }
    if (rule.form !== 'record') return { ok: false, badIndex: i + 1, candidates: [], reason: 'not-a-value' };
    record = rule;
    table = rule.keys ?? {};
  }
  return { ok: false, badIndex: 0, candidates: Object.keys(topLevelRules), reason: 'unknown' };
}
