/**
 * Facts about the loss terms of the IR (ir.ts LossSpec), one record per term
 * kind, and the small queries every reader of a LossSpec shares: the
 * verifier, both training engines and the run summary.
 */
import type { LossSpec, LossTerm, LossTermKind, ModelIR, ModelTaps } from './ir.js';

export interface LossTermFacts {
  /** The taps the term reads (each must exist for the term to be computed). */
  readonly reads: readonly (keyof ModelTaps)[];
  /** The taps whose values the term's gradient reaches (the quantizer's anchors are a parameter, not a tap). */
  readonly gradientTaps: readonly (keyof ModelTaps)[];
  /** Whether the term is an information quantity, entering the objective in LossSpec.unit (else in its own units). */
  readonly information: boolean;
}

export const LOSS_TERM_FACTS = {
  crossEntropy: { reads: ['logits'], gradientTaps: ['logits'], information: true },
  kl: { reads: ['latentMean', 'latentStd'], gradientTaps: ['latentMean', 'latentStd'], information: true },
  // The vq term moves the anchors only (stop-gradient on a); commit moves a only.
  vq: { reads: ['attentionSample', 'attentionQuantized'], gradientTaps: [], information: false },
  commit: { reads: ['attentionSample', 'attentionQuantized'], gradientTaps: ['attentionSample'], information: false },
} as const satisfies Record<LossTermKind, LossTermFacts>;

/** The term of `kind`, when the loss has it. */
export function lossTerm<K extends LossTermKind>(loss: LossSpec, kind: K): Extract<LossTerm, { kind: K }> | undefined {
  return loss.terms.find((t): t is Extract<LossTerm, { kind: K }> => t.kind === kind);
}

/** A plain classifier's loss: cross-entropy in nats. */
export function crossEntropyLoss(classes: number): LossSpec {
  return { classes, unit: 'nats', terms: [{ kind: 'crossEntropy', weight: 1 }] };
}

/** The taps whose gradient the loss writes, in term order (a tap read by two terms appears once per term). */
export function lossGradientTaps(loss: LossSpec, taps: ModelTaps): string[] {
  const out: string[] = [];
  for (const term of loss.terms) {
    for (const tap of LOSS_TERM_FACTS[term.kind].gradientTaps) {
      const id = taps[tap];
      if (id === undefined) throw new Error(`the loss term '${term.kind}' needs the tap '${tap}', which the model lacks`);
      out.push(id);
    }
  }
  return out;
}

/** The parameter holding the quantizer's anchors (the Quantize node's at taps.attentionQuantized), when the model quantizes. */
export function quantizerAnchors(ir: Pick<ModelIR, 'nodes' | 'taps'>): string | undefined {
  const id = ir.taps.attentionQuantized;
  if (id === undefined) return undefined;
  return ir.nodes.find((n) => n.id === id && n.op === 'Quantize')?.params.anchors;
}
