/**
 * ResolvedSpec -> ModelIR. The backbone becomes a list of named stages in the
 * spec's layer vocabulary (built-ins in vgg.ts / wrn.ts / resnet.ts), the stages
 * and the attention module are built from IR primitives with shapes inferred
 * once, and every shape problem is an IB4xxx diagnostic at its spec origin.
 */
import { diagnostic } from '../../diagnostics/catalog.js';
import { failed, hasErrors, ok, type Result } from '../../diagnostics/diagnostic.js';
import { suggestClosest } from '../../diagnostics/suggest.js';
import type { BackboneSpec, LayerSpec, ResolvedSpec, StageSpec } from '../spec/resolved-spec.js';
import type { ModelIR, ModelTaps } from '../ir/ir.js';
import { formatShape } from '../ir/shape.js';
import { crossEntropyLoss } from '../ir/loss.js';
import { IrBuilder, type Tensor } from './ir-builder.js';
import { buildLayers, Scope } from './layers.js';
import { buildAttention, checkDecoderAlone } from './attention.js';
import { vggStages } from './vgg.js';
import { wrnStages } from './wrn.js';
import { resnetStages } from './resnet.js';
import { customStages } from './custom.js';

/** The backbone as named stages, or undefined (after reporting) when its settings cannot describe a network. */
export function backboneStages(backbone: BackboneSpec, g?: IrBuilder): readonly StageSpec[] | undefined {
  switch (backbone.kind) {
    case 'vgg16_bn':
    case 'vgg16':
      return vggStages(backbone);
    case 'wrn': {
      const stages = wrnStages(backbone);
      if (!stages) {
        g?.report(
          diagnostic('layerShape', {
            args: { layer: 'wrn', detail: `depth ${backbone.depth} is not 6n + 4 (e.g. 16, 22, 28, 40): each of the 3 groups needs the same number of 2-conv blocks` },
            ...(backbone.origin ? { span: backbone.origin } : {}),
          }),
        );
      }
      return stages;
    }
    case 'resnet18':
    case 'resnet34':
    case 'resnet50':
    case 'wrn50_2':
      return resnetStages(backbone);
    case 'custom':
      return customStages(backbone);
  }
}

export function buildModel(spec: ResolvedSpec): Result<ModelIR> {
  const m = spec.model;
  const g = new IrBuilder(m.init);
  const stages = backboneStages(m.backbone, g);
  const input = g.add('Input', { shape: m.input }, [], 'image', m.origin);
  if (!stages || !input) return failed(g.diagnostics);

  const attention = m.attention;
  let logits: Tensor | undefined;
  let taps: ModelTaps | undefined;
  if (attention) {
    const at = stages.findIndex((s) => s.name === attention.at);
    if (at < 0) {
      const names = stages.map((s) => s.name);
      const near = suggestClosest(attention.at, names);
      g.report(
        diagnostic('insertionPointNotAStage', {
          args: { name: attention.at, stages: names.length > 0 ? names.join(', ') : '(none)' },
          ...((attention.atOrigin ?? attention.origin) ? { span: (attention.atOrigin ?? attention.origin)! } : {}),
          ...(near ? { suggestion: near } : {}),
        }),
      );
      checkDecoderAlone(g, attention, { classes: m.classes, init: m.init });
      return failed(g.diagnostics);
    }
    const f = buildStages(g, stages.slice(0, at + 1), input);
    if (f) {
      const built = buildAttention(g, attention, f, { classes: m.classes, at: attention.at, rest: stages.slice(at + 1), init: m.init });
      logits = built?.logits;
      taps = built?.taps;
    }
  } else {
    const out = buildStages(g, stages, input);
    logits = out && classifier(g, m.classifier, out, m.classes, m.origin);
    if (logits) taps = { logits: logits.id };
  }
  if (!logits || !taps || hasErrors(g.diagnostics)) return failed(g.diagnostics);

  const q = attention?.quantize;
  const quantized = q !== undefined && taps.attentionQuantized !== undefined;
  const ir: ModelIR = {
    name: spec.name,
    input: input.id,
    inputShape: m.input,
    classes: m.classes,
    nodes: g.nodes,
    params: g.params,
    taps,
    loss: attention
      ? {
          classes: m.classes,
          unit: 'bits',
          terms: [
            { kind: 'crossEntropy', weight: 1 },
            { kind: 'kl', weight: attention.beta * attention.klScale, klForm: attention.klForm },
            ...(quantized ? [{ kind: 'vq', weight: q.vqWeight } as const, { kind: 'commit', weight: q.commitWeight } as const] : []),
          ],
        }
      : crossEntropyLoss(m.classes),
    samples: attention ? { train: attention.samples.train, eval: attention.samples.eval } : { train: 0, eval: 0 },
  };
  return ok(ir, g.diagnostics);
}

function buildStages(g: IrBuilder, stages: readonly StageSpec[], x: Tensor): Tensor | undefined {
  let t: Tensor | undefined = x;
  for (const stage of stages) {
    if (!t) return undefined;
    t = buildLayers(g, stage.layers, t, new Scope(`backbone/${stage.name}`), stage.origin);
  }
  return t;
}

/** Baseline head: the spec's classifier, or flatten (when needed) + linear(classes). */
function classifier(g: IrBuilder, layers: readonly LayerSpec[] | undefined, x: Tensor, classes: number, origin: ResolvedSpec['model']['origin']): Tensor | undefined {
  const chosen: readonly LayerSpec[] = layers ?? [...(x.shape.length === 1 ? [] : [{ type: 'flatten' } as const]), { type: 'linear', units: classes, bias: true } as const];
  const out = buildLayers(g, chosen, x, new Scope('classifier'), origin);
  if (!out) return undefined;
  if (out.shape.length !== 1 || out.shape[0] !== classes) {
    const last = chosen[chosen.length - 1];
    const shape = out.shape.length === 1 ? `${out.shape[0]} values` : `the map ${formatShape(out.shape)}`;
    const span = last?.origin ?? origin;
    g.report(diagnostic('classifierOutput', { args: { shape, classes }, ...(span ? { span } : {}) }));
    return undefined;
  }
  return out;
}
