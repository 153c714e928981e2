/**
 * The IB spatial-attention module (docs/method.md, section 1, "The model") built from IR primitives:
 *
 *   f --head--> sigmoid = mu_a (tap attentionMean)
 *   mu_a --conv kxk 1->1 (bias)--> ShiftedSoftplus(offset) = sd_a
 *   Sample(attention)(mu_a, sd_a) = a (tap attentionSample)
 *   [Quantize(a) = a_q (tap attentionQuantized)]
 *   [ResizeNearest to f's size when the map size differs]
 *   Modulate(f, a or a_q) = g
 *   encoder: the rest of the backbone, encoder_head (default: flatten if not flat), Dense(2K)
 *   Slice [0,K) = mu_z (tap latentMean); Slice [K,2K) -> ShiftedSoftplus = sd_z (tap latentStd)
 *   Sample(latent) = z; decoder; SampleMean = logits
 */
import type { Span } from '../../diagnostics/diagnostic.js';
import { diagnostic } from '../../diagnostics/catalog.js';
import type { AttentionSpec, StageSpec } from '../spec/resolved-spec.js';
import type { ModelTaps } from '../ir/ir.js';
import { formatShape } from '../ir/shape.js';
import { IrBuilder, type Tensor } from './ir-builder.js';
import { conv, buildLayers, Scope } from './layers.js';

export interface AttentionResult {
  readonly logits: Tensor;
  readonly taps: ModelTaps;
}

export interface AttentionContext {
  readonly classes: number;
  /** The stage the module reads from. */
  readonly at: string;
  /** The stages after the insertion point: they become the encoder. */
  readonly rest: readonly StageSpec[];
  readonly init: 'vgg' | 'wrn' | 'he';
}

export function buildAttention(g: IrBuilder, spec: AttentionSpec, f: Tensor, ctx: AttentionContext): AttentionResult | undefined {
  const origin = spec.origin;
  if (f.shape.length !== 3) {
    g.report(diagnostic('insertionNotMap', { args: { at: ctx.at, shape: `a flat vector of ${f.shape[0]}` }, ...span(spec.atOrigin ?? origin) }));
    // The decoder can still be checked on its own.
    checkDecoderAlone(g, spec, ctx);
    return undefined;
  }
  const map = attentionMap(g, spec, f, ctx);
  const encoded = map && encoder(g, spec, map.modulated, ctx);
  if (!encoded) {
    checkDecoderAlone(g, spec, ctx);
    return undefined;
  }
  const logits = decoder(g, spec, encoded.z, ctx);
  if (!logits || !map) return undefined;
  return {
    logits,
    taps: {
      logits: logits.id,
      attentionMean: map.mean.id,
      attentionSample: map.sample.id,
      ...(map.quantized ? { attentionQuantized: map.quantized.id } : {}),
      latentMean: encoded.mean.id,
      latentStd: encoded.std.id,
    },
  };
}

function span(s: Span | undefined): { span?: Span } {
  return s ? { span: s } : {};
}

interface MapResult {
  readonly mean: Tensor;
  readonly sample: Tensor;
  readonly quantized?: Tensor;
  readonly modulated: Tensor;
}

function attentionMap(g: IrBuilder, spec: AttentionSpec, f: Tensor, ctx: AttentionContext): MapResult | undefined {
  const origin = spec.origin;
  const head = buildLayers(g, spec.head, f, new Scope('attention/head'), origin);
  if (!head) return undefined;
  if (head.shape.length !== 3 || head.shape[2] !== 1) {
    const last = spec.head[spec.head.length - 1];
    g.report(diagnostic('attentionHeadChannels', { args: { shape: describe(head) }, ...span(last?.origin ?? origin) }));
    return undefined;
  }
  const mean = g.add('Activation', { fn: 'sigmoid' }, [head], 'attention/mean', origin);
  if (!mean) return undefined;
  const [mh, mw] = mean.shape as [number, number, number];
  const [fh, fw] = f.shape as [number, number, number];
  if (spec.mapSize && (spec.mapSize[0] !== mh || spec.mapSize[1] !== mw)) {
    const expected = `${spec.mapSize[0]}x${spec.mapSize[1]}`;
    const featureStory = `the feature map at '${ctx.at}' is ${fh}x${fw}${explainHistory(f)}`;
    const actual =
      mh === fh && mw === fw ? featureStory : `the attention head turns it into ${mh}x${mw}${explainHistory(mean, f.history.length)} (${featureStory})`;
    // Underline `map HxW`, with a label at each stride or pooling that made the map its size.
    const steps = [...f.history.map((h, i) => [h, f.historyOrigins?.[i]] as const), ...mean.history.slice(f.history.length).map((h, i) => [h, mean.historyOrigins?.[f.history.length + i]] as const)];
    const related = steps.filter((step): step is readonly [string, Span] => step[1] !== undefined).map(([text, at]) => ({ message: `this changes the map's size: ${text}`, span: at, frame: true }));
    g.report(diagnostic('mapSizeMismatch', { args: { expected, actual }, ...span(spec.mapOrigin ?? origin), ...(related.length > 0 ? { related } : {}) }));
    return undefined;
  }
  const stdConv = conv(g, mean, 'attention/std_head/conv', origin, 1, [spec.stdHead.kernel, spec.stdHead.kernel], [1, 1], 'same', [1, 1], true);
  const std = stdConv && g.add('ShiftedSoftplus', { shift: spec.stdHead.offset }, [stdConv], 'attention/std', origin);
  const sample = std && g.add('Sample', { role: 'attention' }, [mean, std], 'attention/sample', origin);
  if (!sample) return undefined;
  let quantized: Tensor | undefined;
  let a = sample;
  const q = spec.quantize;
  if (q) {
    const init = q.init.kind === 'linspace' ? ({ kind: 'linspace', low: q.init.low, high: q.init.high } as const) : ({ kind: 'uniform', low: q.init.low, high: q.init.high, seed: q.init.seed } as const);
    quantized = g.add('Quantize', { anchorCount: q.anchors }, [sample], 'attention/quantize', q.origin ?? origin, {
      anchors: { init, trainable: q.trainable, lrScale: q.lrScale },
    });
    if (!quantized) return undefined;
    a = quantized;
  }
  if (mh !== fh || mw !== fw) {
    const resized = g.add('ResizeNearest', { size: [fh, fw] }, [a], 'attention/resize', origin);
    if (!resized) return undefined;
    a = resized;
  }
  const modulated = g.add('Modulate', {}, [f, a], 'attention/modulate', origin);
  if (!modulated) return undefined;
  return { mean, sample, ...(quantized ? { quantized } : {}), modulated };
}

function explainHistory(t: Tensor, skip = 0): string {
  const steps = t.history.slice(skip);
  if (steps.length === 0) return skip === 0 ? ' (nothing before it changes the spatial size)' : '';
  return ` after ${steps.length === 1 ? 'one step' : `${steps.length} steps`}: ${steps.join(', ')}`;
}

function describe(t: Tensor): string {
  return t.shape.length === 3 ? `${formatShape(t.shape)} (${t.shape[2]} channels)` : `a flat vector of ${t.shape[0]}`;
}

interface EncoderResult {
  readonly mean: Tensor;
  readonly std: Tensor;
  readonly z: Tensor;
}

function encoder(g: IrBuilder, spec: AttentionSpec, start: Tensor, ctx: AttentionContext): EncoderResult | undefined {
  const origin = spec.origin;
  let t: Tensor | undefined = start;
  for (const stage of ctx.rest) {
    if (!t) return undefined;
    t = buildLayers(g, stage.layers, t, new Scope(`backbone/${stage.name}`), stage.origin);
  }
  if (!t) return undefined;
  const scope = new Scope('encoder');
  t = buildLayers(g, spec.encoderHead, t, scope, origin);
  if (!t) return undefined;
  const k = spec.latent;
  if (t.shape.length !== 1) {
    if (spec.encoderHead.length > 0) {
      const last = spec.encoderHead[spec.encoderHead.length - 1];
      g.report(diagnostic('encoderNotFlat', { args: { shape: formatShape(t.shape), units: 2 * k }, ...span(last?.origin ?? origin) }));
      return undefined;
    }
    t = g.add('Flatten', {}, [t], 'encoder/flatten', origin);
    if (!t) return undefined;
  }
  const s = g.add('Dense', { units: 2 * k, bias: true }, [t], 'encoder/dense', origin);
  if (!s) return undefined;
  const mean = g.add('Slice', { begin: 0, size: k }, [s], 'latent/mean', origin);
  const raw = g.add('Slice', { begin: k, size: k }, [s], 'latent/std_raw', origin);
  const std = raw && g.add('ShiftedSoftplus', { shift: spec.latentStdOffset }, [raw], 'latent/std', origin);
  const z = mean && std && g.add('Sample', { role: 'latent' }, [mean, std], 'latent/sample', origin);
  if (!mean || !std || !z) return undefined;
  return { mean, std, z };
}

function decoder(g: IrBuilder, spec: AttentionSpec, z: Tensor, ctx: Pick<AttentionContext, 'classes'>): Tensor | undefined {
  const out = buildLayers(g, spec.decoder, z, new Scope('decoder'), spec.origin);
  if (!out) return undefined;
  if (out.shape.length !== 1 || out.shape[0] !== ctx.classes) {
    const last = spec.decoder[spec.decoder.length - 1];
    g.report(diagnostic('decoderOutput', { args: { shape: describeOutput(out), classes: ctx.classes }, ...span(last?.origin ?? spec.origin) }));
    return undefined;
  }
  return g.add('SampleMean', {}, [out], 'logits', spec.origin);
}

function describeOutput(t: Tensor): string {
  return t.shape.length === 1 ? `${t.shape[0]} values` : `the map ${formatShape(t.shape)}`;
}

/** When the encoder could not be built, the decoder is still checked from a [K] input so that all errors come out in one pass. */
export function checkDecoderAlone(g: IrBuilder, spec: AttentionSpec, ctx: Pick<AttentionContext, 'classes' | 'init'>): void {
  const scratch = new IrBuilder(ctx.init);
  decoder(scratch, spec, { id: 'latent/sample', shape: [spec.latent], history: [] }, ctx);
  for (const d of scratch.diagnostics) g.report(d);
}
