/**
 * Defaults: a schema-valid spec document -> the ResolvedSpec. Every key is
 * resolved the same way from its definition (definitions.ts): the written
 * value or its default, under its resolved name, sizes as [h, w] pairs, paths
 * resolved against the folder of the file that wrote them, `origin` spans
 * from the span map. Only the defaults computed from other values (marked
 * `computed` there) are written out below; the types make a missing one, or a
 * misspelt key, a compile error. The input must have passed the JSON Schema;
 * this stage reports nothing.
 */
import { basename, extname } from 'node:path';
import type { Span } from '../../diagnostics/diagnostic.js';
import type { FileSystem } from '../../host/file-system.js';
import { LAYER, SPEC } from './definitions.js';
import { appliesTo, variantFor, type FilledType, type Key, type KeyTable } from './key.js';
import type { AttentionSpec, DataSpec, LayerSpec, ModelSpec, ResolvedSpec, TrainSpec } from './resolved-spec.js';
import { escapePointerPart, isJsonObject, type Json, type JsonObject } from './spec-document.js';
import type { SpanMap } from './span-map.js';

interface Context {
  readonly spans: SpanMap;
  readonly fs: FileSystem;
  readonly specPath: string;
}

type Filled<K> = FilledType<K>;
type FilledLayer = Filled<typeof LAYER>;
type FilledSpec = Filled<typeof SPEC>;

export function resolveSpec(document: JsonObject, spans: SpanMap, fs: FileSystem, specPath: string): ResolvedSpec {
  const ctx: Context = { spans, fs, specPath };
  // The schema, derived from the same definitions, has accepted the document, so the walk yields this type.
  const filled = fillKey(SPEC, document, '', ctx) as FilledSpec;
  const model = finishModel(filled.model, ctx);
  return {
    name: filled.name ?? basename(specPath, extname(specPath)),
    model,
    data: finishData(filled.data, model.input[2], ctx),
    train: finishTrain(filled.train),
    export: filled.export,
  };
}

// ---------------------------------------------------------------- computed defaults

function finishModel(m: Filled<typeof SPEC.keys.model>, ctx: Context): ModelSpec {
  const kind = m.backbone.kind;
  const attention = m.attention ? finishAttention(m.attention, m.classes, ctx) : undefined;
  const { attention: _filled, ...rest } = m;
  const weightsSpan = ctx.spans.values.get('/model/backbone/weights');
  const freeze = m.backbone.freeze;
  const freezeOrigins = freeze?.map((_, i) => ctx.spans.values.get(`/model/backbone/freeze/${i}`));
  return {
    ...rest,
    ...(weightsSpan || freezeOrigins
      ? { backbone: { ...m.backbone, ...(weightsSpan ? { weightsOrigin: weightsSpan } : {}), ...(freezeOrigins ? { freezeOrigins } : {}) } }
      : {}),
    init: m.init ?? (kind.startsWith('vgg') ? 'vgg' : kind === 'wrn' ? 'wrn' : 'he'),
    ...(attention ? { attention } : {}),
    ...(m.classifier || attention ? {} : { classifier: [{ type: 'flatten' }, { type: 'linear', units: m.classes, bias: true }] }),
  };
}

function finishAttention(a: Filled<typeof SPEC.keys.model.keys.attention>, classes: number, ctx: Context): AttentionSpec {
  const atSpan = ctx.spans.values.get('/model/attention/at');
  return {
    ...a,
    ...(atSpan ? { atOrigin: atSpan } : {}),
    ...(a.mapSize ? spanOf(ctx, '/model/attention/map', 'mapOrigin') : {}),
    head: a.head ?? [finishLayer({ type: 'conv', filters: 1, kernel: [3, 3], stride: [1, 1], padding: 'same', dilation: [1, 1], bias: true })],
    encoderHead: a.encoderHead ?? [],
    decoder: a.decoder ?? [
      { type: 'linear', units: a.latent, bias: true },
      { type: 'relu' },
      { type: 'linear', units: classes, bias: true },
    ],
  };
}

function finishData(d: Filled<typeof SPEC.keys.data>, channels: number, ctx: Context): DataSpec {
  return {
    ...d,
    ...pathOrigins(ctx),
    normalize: {
      mean: d.normalize?.mean ?? new Array<number>(channels).fill(0),
      std: d.normalize?.std ?? new Array<number>(channels).fill(1),
    },
    augment: finishAugment(d.augment),
  };
}

function finishAugment(a: Filled<typeof SPEC.keys.data>['augment']): DataSpec['augment'] {
  const { randomResizedCrop: resized, ...rest } = a;
  // torchvision RandomResizedCrop's defaults.
  return { ...rest, ...(resized ? { randomResizedCrop: { scale: resized.scale ?? [0.08, 1], ratio: resized.ratio ?? [3 / 4, 4 / 3] } } : {}) };
}

function finishTrain(t: Filled<typeof SPEC.keys.train>): TrainSpec {
  // fp32 is what an absent precision means: resolved to absent, so `precision fp32` hashes as no key.
  const { precision, ...rest } = t;
  return { ...rest, evalBatchSize: t.evalBatchSize ?? t.batchSize, ...(precision === 'bf16' ? { precision } : {}) };
}

function finishLayer(l: FilledLayer): LayerSpec {
  switch (l.type) {
    case 'maxpool':
    case 'avgpool':
      return { ...l, stride: l.stride ?? l.size };
    default:
      return l;
  }
}

// ---------------------------------------------------------------- every key, from its definition

/**
 * The written value of `k` (or its default) resolved: the generic half of
 * resolution. Returns the value `Filled<typeof k>` describes; undefined when
 * the key is absent and has no default.
 */
function fillKey(k: Key, value: Json | undefined, pointer: string, ctx: Context): unknown {
  switch (k.form) {
    case 'value': {
      const v = value ?? (k.default as Json | undefined);
      if (v === undefined) return undefined;
      if (k.convert === 'pair') return typeof v === 'number' ? [v, v] : [(v as readonly number[])[0], (v as readonly number[])[1]];
      if (k.convert === 'triple') return [...(v as readonly number[])];
      if (k.convert === 'path') return filePath(ctx, pointer, v as string);
      return v;
    }
    case 'list':
      return value === undefined ? undefined : (value as readonly Json[]).map((item, i) => fillKey(k.item, item, `${pointer}/${i}`, ctx));
    case 'layers':
      return value === undefined
        ? undefined
        : (value as readonly Json[]).map((item, i) => finishLayer({ ...(fillKey(k.item, item, `${pointer}/${i}`, ctx) as FilledLayer), ...sizeOrigin(ctx, `${pointer}/${i}`) }));
    case 'section': {
      const written = value ?? (k.filled ? {} : undefined);
      if (!isJsonObject(written)) return undefined;
      return { ...fillKeys(k.keys, written, pointer, ctx, undefined), ...(k.origin ? origin(ctx, pointer) : {}) };
    }
    case 'union': {
      const written = value ?? (k.default !== undefined ? { [k.tag]: k.default } : undefined);
      if (!isJsonObject(written)) return undefined;
      const tag = String(written[k.tag]);
      const found = variantFor(k, tag);
      if (!found) throw new Error(`resolve: '${tag}' is no ${k.tag} of ${k.doc}; the schema should have rejected it`);
      return { [k.tag]: tag, ...fillKeys(found.variant.keys, written, pointer, ctx, tag), ...(k.origin ? origin(ctx, pointer) : {}) };
    }
  }
}

function fillKeys(keys: KeyTable, written: JsonObject, pointer: string, ctx: Context, tag: string | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, k] of Object.entries(keys)) {
    if (!appliesTo(k, tag)) continue;
    const value = fillKey(k, written[name], `${pointer}/${escapePointerPart(name)}`, ctx);
    if (value !== undefined) out[k.as ?? name] = value;
  }
  return out;
}

function origin(ctx: Context, pointer: string): { origin?: Span } {
  const span = ctx.spans.values.get(pointer) ?? ctx.spans.keys.get(pointer);
  return span ? { origin: span } : {};
}

/** From the key's word to the end of its value (`stride=2`, `map 14x14`), under `field`. */
function spanOf<F extends string>(ctx: Context, pointer: string, field: F): { [K in F]?: Span } {
  const key = ctx.spans.keys.get(pointer);
  const value = ctx.spans.values.get(pointer);
  const from = key ?? value;
  const to = value ?? key;
  if (!from || !to || from.file !== to.file) return {};
  return { [field]: { ...from, end: to.end } } as { [K in F]?: Span };
}

/** The option that sets a layer's spatial step: stride=..., else a pool's size. */
function sizeOrigin(ctx: Context, pointer: string): { sizeOrigin?: Span } {
  const stride = spanOf(ctx, `${pointer}/stride`, 'sizeOrigin');
  return stride.sizeOrigin ? stride : spanOf(ctx, `${pointer}/size`, 'sizeOrigin');
}

/** The spans of the data section's path values (their pointers are /data/path, /data/train, /data/train/images, ...). */
function pathOrigins(ctx: Context): { pathOrigins?: Record<string, Span> } {
  const found: Record<string, Span> = {};
  for (const pointer of ['/data/path', '/data/train', '/data/test', '/data/train/images', '/data/train/labels', '/data/test/images', '/data/test/labels']) {
    const span = ctx.spans.values.get(pointer);
    if (span) found[pointer] = span;
  }
  return Object.keys(found).length > 0 ? { pathOrigins: found } : {};
}

/** A path as the user wrote it, resolved against the folder of the file that wrote it. */
function filePath(ctx: Context, pointer: string, value: string): string {
  const from = ctx.spans.values.get(pointer)?.file ?? ctx.specPath;
  return ctx.fs.resolveRelative(from, value);
}
