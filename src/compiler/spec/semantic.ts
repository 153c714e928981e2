/**
 * Checks on the resolved spec that a JSON Schema cannot express: names that
 * must exist or be unique, relations between values, settings that contradict
 * each other. One table, keyed by what each check looks at; each check gets the
 * spec and a way to locate any document pointer in the source.
 */
import type { Diagnostic } from '../../diagnostics/diagnostic.js';
import { diagnostic, type DiagnosticOptions, type MessageName } from '../../diagnostics/catalog.js';
import { suggestClosest } from '../../diagnostics/suggest.js';
import type { LayerSpec, ResolvedSpec } from './resolved-spec.js';
import type { JsonObject } from './spec-document.js';
import { getAtPointer } from './spec-document.js';
import { locateKey, locateValue, type SpanMap } from './span-map.js';
import { stageNames } from './backbone-stages.js';

/** The top-level sections a check reads. */
export type Section = 'model' | 'data' | 'train';

export interface CheckContext {
  readonly spec: ResolvedSpec;
  /** Sections that stand in for broken ones (missing required keys): checks reading them are skipped. */
  readonly placeholders?: ReadonlySet<string>;
  /** The document the spec was resolved from: says what the user wrote (as opposed to a default). */
  readonly document: JsonObject;
  readonly spans: SpanMap;
}

interface Check {
  readonly sections: readonly Section[];
  readonly run: (ctx: CheckContext, report: Reporter) => void;
}

interface Reporter {
  /** Reports at the value at `pointer` (or at `span` when given). */
  (name: MessageName, pointer: string, options?: DiagnosticOptions & { readonly at?: 'key' | 'value' }): void;
}

export const semanticChecks: Readonly<Record<string, Check>> = {
  insertionPoint: { sections: ['model'], run: checkInsertionPoint },
  stageNames: { sections: ['model'], run: checkStageNames },
  layerNames: { sections: ['model'], run: checkLayerNames },
  wrnDepth: { sections: ['model'], run: checkWrnDepth },
  optimizer: { sections: ['train'], run: checkOptimizer },
  classifier: { sections: ['model'], run: checkClassifier },
  decoderOutput: { sections: ['model'], run: checkDecoderOutput },
  normalize: { sections: ['model', 'data'], run: checkNormalize },
  crop: { sections: ['data'], run: checkCrop },
  clutter: { sections: ['model', 'data'], run: checkClutter },
  classNames: { sections: ['model'], run: checkClassNames },
  schedule: { sections: ['train'], run: checkSchedule },
  quantize: { sections: ['model'], run: checkQuantize },
  stdHead: { sections: ['model'], run: checkStdHead },
  batch: { sections: ['train', 'data'], run: checkBatch },
};

export function runSemanticChecks(ctx: CheckContext): Diagnostic[] {
  const out: Diagnostic[] = [];
  const report: Reporter = (name, pointer, options = {}) => {
    const span = options.span ?? (options.at === 'key' ? locateKey(ctx.spans, pointer) : locateValue(ctx.spans, pointer));
    out.push(diagnostic(name, { ...options, ...(span ? { span } : {}) }));
  };
  for (const check of Object.values(semanticChecks)) {
    if (check.sections.some((s) => ctx.placeholders?.has(s))) continue;
    check.run(ctx, report);
  }
  return out;
}

const written = (ctx: CheckContext, pointer: string): boolean => getAtPointer(ctx.document, pointer) !== undefined;

function checkInsertionPoint({ spec }: CheckContext, report: Reporter): void {
  const attention = spec.model.attention;
  if (!attention) return;
  const names = stageNames(spec.model.backbone);
  if (names.includes(attention.at)) return;
  const suggestion = suggestClosest(attention.at, names);
  report('insertionPointNotAStage', '/model/attention/at', {
    args: { name: attention.at, stages: names.length > 0 ? names.join(', ') : '(none)' },
    ...(suggestion !== undefined ? { suggestion } : {}),
  });
}

function checkStageNames({ spec, spans }: CheckContext, report: Reporter): void {
  const backbone = spec.model.backbone;
  if (backbone.kind !== 'custom') return;
  const first = new Map<string, number>();
  backbone.stages.forEach((stage, i) => {
    const pointer = `/model/backbone/stages/${i}/name`;
    if (stage.layers.length === 0) report('emptyStage', pointer, { args: { name: stage.name } });
    const earlier = first.get(stage.name);
    if (earlier === undefined) {
      first.set(stage.name, i);
      return;
    }
    const firstSpan = locateValue(spans, `/model/backbone/stages/${earlier}/name`);
    report('duplicateStageName', pointer, {
      args: { name: stage.name },
      ...(firstSpan ? { related: [{ message: `'${stage.name}' is first used here`, span: firstSpan }] } : {}),
    });
  });
}

/** Layer names become node names within their list, so they must be unique there. */
function checkLayerNames({ spec, spans }: CheckContext, report: Reporter): void {
  const lists: { where: string; pointer: string; layers: readonly LayerSpec[] }[] = [];
  const m = spec.model;
  if (m.backbone.kind === 'custom') {
    m.backbone.stages.forEach((s, i) => lists.push({ where: `stage '${s.name}'`, pointer: `/model/backbone/stages/${i}/layers`, layers: s.layers }));
  }
  if (m.classifier) lists.push({ where: 'the classifier', pointer: '/model/classifier', layers: m.classifier });
  if (m.attention) {
    lists.push({ where: 'the attention head', pointer: '/model/attention/head', layers: m.attention.head });
    lists.push({ where: 'encoder_head', pointer: '/model/attention/encoder_head', layers: m.attention.encoderHead });
    lists.push({ where: 'the decoder', pointer: '/model/attention/decoder', layers: m.attention.decoder });
  }
  for (const list of lists) {
    const first = new Map<string, number>();
    list.layers.forEach((layer, i) => {
      if (layer.name === undefined) return;
      const earlier = first.get(layer.name);
      if (earlier === undefined) {
        first.set(layer.name, i);
        return;
      }
      const firstSpan = locateValue(spans, `${list.pointer}/${earlier}/name`);
      report('duplicateLayerName', `${list.pointer}/${i}/name`, {
        args: { name: layer.name, where: list.where },
        ...(firstSpan ? { related: [{ message: `'${layer.name}' is first used here`, span: firstSpan }] } : {}),
      });
    });
  }
}

function checkWrnDepth({ spec }: CheckContext, report: Reporter): void {
  const b = spec.model.backbone;
  if (b.kind === 'wrn' && (b.depth - 4) % 6 !== 0) report('wrnDepth', '/model/backbone/depth', { args: { depth: b.depth } });
}

function checkOptimizer({ spec }: CheckContext, report: Reporter): void {
  const o = spec.train.optimizer;
  if (o.kind === 'sgd' && o.nesterov && o.momentum === 0) report('nesterovWithoutMomentum', '/train/optimizer/nesterov');
}

function checkClassifier(ctx: CheckContext, report: Reporter): void {
  const m = ctx.spec.model;
  if (m.attention && written(ctx, '/model/classifier')) {
    report('classifierWithAttention', '/model/classifier', { at: 'key' });
    return;
  }
  if (m.classifier && written(ctx, '/model/classifier')) checkEndsWithClasses(m.classifier, '/model/classifier', 'classifierNotEndingInClasses', m.classes, report);
}

function checkDecoderOutput(ctx: CheckContext, report: Reporter): void {
  const a = ctx.spec.model.attention;
  if (a && written(ctx, '/model/attention/decoder')) checkEndsWithClasses(a.decoder, '/model/attention/decoder', 'decoderNotEndingInClasses', ctx.spec.model.classes, report);
}

/** A list that ends with a linear layer must give one unit per class; other endings are left to shape inference. */
function checkEndsWithClasses(layers: readonly LayerSpec[], pointer: string, name: MessageName, classes: number, report: Reporter): void {
  const last = layers[layers.length - 1];
  if (!last || last.type !== 'linear' || last.units === classes) return;
  report(name, `${pointer}/${layers.length - 1}/units`, { args: { classes, last: `linear ${last.units}` } });
}

function checkNormalize({ spec }: CheckContext, report: Reporter): void {
  const channels = spec.model.input[2];
  const n = spec.data.normalize;
  for (const which of ['mean', 'std'] as const) {
    if (n[which].length !== channels) {
      report('normalizeLength', `/data/normalize/${which}`, { args: { which, count: n[which].length, channels } });
    }
  }
  n.std.forEach((value, i) => {
    if (value <= 0) report('normalizeStdZero', `/data/normalize/std/${i}`, { args: { value } });
  });
}

function checkClassNames({ spec }: CheckContext, report: Reporter): void {
  const names = spec.model.classNames;
  if (names && names.length !== spec.model.classes) report('classNamesCount', '/model/class_names', { args: { count: names.length, classes: spec.model.classes } });
}

/** The cluttered canvas is what the model sees: its side must be the input's height and width. */
function checkClutter({ spec }: CheckContext, report: Reporter): void {
  const data = spec.data;
  if (data.kind !== 'idx' || !data.clutter) return;
  const [h, w, c] = spec.model.input;
  const canvas = data.clutter.canvas;
  if (h !== canvas || w !== canvas) report('clutterCanvasMismatch', '/data/clutter/canvas', { args: { canvas, input: `${h}x${w}x${c}` } });
}

function checkCrop({ spec }: CheckContext, report: Reporter): void {
  // With `resize`, images are larger than the input and a padding-0 crop still picks a random window.
  const augment = spec.data.augment;
  const resized = spec.data.kind === 'folder' && spec.data.resize !== undefined;
  if (augment.crop?.padding === 0 && !resized) report('cropWithoutPadding', '/data/augment/crop/padding');
  const rrc = augment.randomResizedCrop;
  if (!rrc) return;
  // Random resized crops are cut from an image stored apart from the input size: only folder data stores images so.
  if (spec.data.kind !== 'folder') report('randomResizedCropNeedsFolder', '/data/augment/random_resized_crop', { args: { kind: spec.data.kind } });
  if (augment.crop) report('cropAndResizedCrop', '/data/augment/random_resized_crop');
  for (const which of ['scale', 'ratio'] as const) {
    const [low, high] = rrc[which];
    if (low !== undefined && high !== undefined && low > high) {
      report('resizedCropRange', `/data/augment/random_resized_crop/${which}`, { args: { which, low, high } });
    }
  }
}

function checkSchedule({ spec }: CheckContext, report: Reporter): void {
  const t = spec.train;
  if (t.warmup && t.warmup.lrs.length >= t.epochs) {
    report('warmupLongerThanTraining', '/train/warmup/lrs', { args: { count: t.warmup.lrs.length, epochs: t.epochs } });
  }
  const s = t.schedule;
  if (s.kind !== 'multistep') return;
  for (const [i, milestone] of s.milestones.entries()) {
    const previous = s.milestones[i - 1];
    if (previous !== undefined && milestone <= previous) {
      report('milestonesNotIncreasing', `/train/schedule/milestones/${i}`, { args: { milestones: s.milestones.join(', ') } });
      return;
    }
  }
  s.milestones.forEach((milestone, i) => {
    if (milestone >= t.epochs) report('milestoneBeyondTraining', `/train/schedule/milestones/${i}`, { args: { milestone, epochs: t.epochs } });
  });
}

function checkQuantize(ctx: CheckContext, report: Reporter): void {
  const q = ctx.spec.model.attention?.quantize;
  if (!q) return;
  if (q.init.low >= q.init.high) {
    report('quantizeRangeEmpty', '/model/attention/quantize/init', { args: { low: q.init.low, high: q.init.high } });
  }
  if (!q.trainable && written(ctx, '/model/attention/quantize/lr_scale')) report('lrScaleOnFrozenAnchors', '/model/attention/quantize/lr_scale');
}

function checkStdHead({ spec }: CheckContext, report: Reporter): void {
  const k = spec.model.attention?.stdHead.kernel;
  if (k !== undefined && k % 2 === 0) report('kernelEven', '/model/attention/std_head/kernel', { args: { kernel: k } });
}

function checkBatch({ spec }: CheckContext, report: Reporter): void {
  const d = spec.data;
  if (d.kind === 'synthetic' && spec.train.batchSize > d.trainCount) {
    report('batchLargerThanData', '/train/batch', { args: { batch: spec.train.batchSize, count: d.trainCount } });
  }
}

