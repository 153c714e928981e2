/**
 * Fine-tuning settings as IR data: the backbone's frozen stages (backbone
 * freeze=[...]) and the parameter groups' learning-rate scales (train lr_scale,
 * and the anchors' quantize lr_scale). A frozen stage's parameters do not train
 * and its BatchNorms train on their running statistics (attrs.frozen), as
 * PyTorch's requires_grad=False plus module.eval() on that part; every other
 * trainable parameter's ParamSpec.lrScale is its group's scale. The engines read
 * only the IR (ParamSpec.trainable, ParamSpec.lrScale, BatchNorm's frozen).
 */
import { diagnostic } from '../../diagnostics/catalog.js';
import type { Diagnostic, Span } from '../../diagnostics/diagnostic.js';
import { suggestClosest } from '../../diagnostics/suggest.js';
import type { IrNode, ModelIR, ParamSpec } from '../ir/ir.js';
import type { BackboneSpec, ResolvedSpec, StageSpec } from '../spec/resolved-spec.js';

/** The IR's parameters and nodes with the spec's frozen stages and rate scales applied, or diagnostics when a frozen name is no stage. */
export function applyTrainingGroups(ir: ModelIR, spec: ResolvedSpec, stages: readonly StageSpec[]): { readonly ir: ModelIR; readonly diagnostics: readonly Diagnostic[] } {
  const { frozen, diagnostics } = frozenStages(spec.model.backbone, stages);
  const inFrozenStage = (name: string): boolean => frozen.some((stage) => name.startsWith(`backbone/${stage}/`));
  const scales = groupScales(spec);
  const params = ir.params.map((p): ParamSpec => {
    if (inFrozenStage(p.name)) return { ...p, trainable: false };
    return { ...p, lrScale: scaleOf(p.name, scales) };
  });
  const nodes = ir.nodes.map((n): IrNode => (n.op === 'BatchNorm' && inFrozenStage(`${n.id}/`) ? freezeBatchNorm(n as IrNode<'BatchNorm'>) : n));
  return { ir: { ...ir, params, nodes }, diagnostics };
}

function freezeBatchNorm(node: IrNode<'BatchNorm'>): IrNode<'BatchNorm'> {
  return { ...node, attrs: { ...node.attrs, frozen: true } };
}

/** The written stage names that are stages, and an IB3409 at each that is not (an IB3410 at a repeat). */
function frozenStages(backbone: BackboneSpec, stages: readonly StageSpec[]): { frozen: readonly string[]; diagnostics: readonly Diagnostic[] } {
  const names = stages.map((s) => s.name);
  const written = backbone.freeze ?? [];
  const origins = backbone.freezeOrigins ?? [];
  const diagnostics: Diagnostic[] = [];
  const frozen: string[] = [];
  written.forEach((name, i) => {
    const span: Span | undefined = origins[i] ?? backbone.origin;
    if (!names.includes(name)) {
      const near = suggestClosest(name, names);
      diagnostics.push(
        diagnostic('frozenStageUnknown', {
          args: { name, stages: names.length > 0 ? names.join(', ') : '(none)' },
          ...(span ? { span } : {}),
          ...(near ? { suggestion: near } : {}),
        }),
      );
    } else if (frozen.includes(name)) {
      diagnostics.push(diagnostic('frozenStageTwice', { args: { name }, ...(span ? { span } : {}) }));
    } else frozen.push(name);
  });
  return { frozen, diagnostics };
}

/** Parameter name prefix -> its group's rate scale; the first matching prefix wins. */
type GroupScales = readonly (readonly [prefix: string, scale: number])[];

function groupScales(spec: ResolvedSpec): GroupScales {
  const s = spec.train.lrScale;
  return [
    ['attention/quantize/', spec.model.attention?.quantize?.lrScale ?? 1],
    ['backbone/', s.backbone],
    ['attention/', s.attention],
    ['encoder/', s.encoder],
    ['decoder/', s.decoder],
    ['classifier/', s.classifier],
  ];
}

function scaleOf(name: string, scales: GroupScales): number {
  for (const [prefix, scale] of scales) if (name.startsWith(prefix)) return scale;
  return 1;
}
