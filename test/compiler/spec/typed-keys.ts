/**
 * Type-level facts about the spec types derived from definitions.ts, checked by
 * compiling this file (typed-keys.test.ts): a misspelt key is a compile error,
 * both in the validated document and in the resolved spec, and a key's type,
 * default-ness and resolved name follow its one definition.
 */
import type { AttentionSpec, LayerSpec, ResolvedSpec, SpecDocument, TrainSpec } from '../../../src/compiler/spec/resolved-spec.js';

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
const holds = <T extends true>(): T | undefined => undefined;

export function readDocument(doc: SpecDocument): number | undefined {
  // @ts-expect-error a misspelt key of the validated document does not type-check
  void doc.model.attention?.kl_scal;
  return doc.model.attention?.kl_scale;
}

export function readResolved(spec: ResolvedSpec, attention: AttentionSpec, train: TrainSpec): number {
  // @ts-expect-error a misspelt resolved key does not type-check
  void attention.klScal;
  // @ts-expect-error the surface name is not the resolved name
  void train.batch;
  return attention.klScale + train.batchSize + spec.model.classes;
}

export const facts = [
  // Defaulted keys are always present once resolved, with their resolved names and types.
  holds<Equal<AttentionSpec['klForm'], 'standard' | 'reference'>>(),
  holds<Equal<AttentionSpec['stdHead'], { readonly kernel: number; readonly offset: number }>>(),
  holds<Equal<TrainSpec['evalBatchSize'], number>>(),
  // Optional keys without a default stay optional.
  holds<Equal<TrainSpec['ema'], number | undefined>>(),
  holds<Equal<Extract<LayerSpec, { type: 'conv' }>['kernel'], readonly [number, number]>>(),
  // In the document, written values keep their surface form: a size is a number or a pair.
  holds<Equal<NonNullable<SpecDocument['train']>['eval_batch'], number | undefined>>(),
];
