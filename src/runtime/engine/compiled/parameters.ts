/**
 * Every parameter of the model in one array, and every trainable parameter's
 * gradient in a second one laid out the same way, so that the optimizer
 * updates all parameters that share a learning rate in one kernel call.
 * Order: trainable parameters at the base rate, then those with another
 * rate scale (ParamSpec.lrScale: the reference's anchors), grouped by scale,
 * then what never trains (frozen parameters, BatchNorm moving statistics).
 */
import type { ModelIR, ParamSpec } from '../../../compiler/ir/ir.js';
import { product } from './values.js';

export interface ParameterSlot {
  readonly spec: ParamSpec;
  readonly offset: number;
  readonly length: number;
  /** The optimizer's rate multiplier; undefined when the parameter does not train. */
  readonly lrScale: number | undefined;
}

/** A run of consecutive trainable parameters sharing one rate scale. */
export interface RateSegment {
  readonly offset: number;
  readonly length: number;
  readonly lrScale: number;
}

export interface ParameterArena {
  readonly values: Float32Array;
  /** Gradients of the trainable prefix of `values` (same offsets). */
  readonly grads: Float32Array;
  readonly slots: ReadonlyMap<string, ParameterSlot>;
  readonly segments: readonly RateSegment[];
}

export function trains(spec: ParamSpec): boolean {
  return spec.trainable && spec.group !== 'buffers';
}

export function createParameterArena(ir: ModelIR): ParameterArena {
  const scaleOf = (p: ParamSpec): number | undefined => (trains(p) ? p.lrScale : undefined);
  // Base rate first, then each other scale in order of first appearance (one segment each), then what never trains.
  const scales = [...new Set(ir.params.map(scaleOf).filter((x): x is number => x !== undefined && x !== 1))];
  const rank = (p: ParamSpec): number => {
    const scale = scaleOf(p);
    return scale === undefined ? scales.length + 1 : scale === 1 ? 0 : 1 + scales.indexOf(scale);
  };
  const ordered = [...ir.params].sort((a, b) => rank(a) - rank(b));
  const slots = new Map<string, ParameterSlot>();
  const segments: RateSegment[] = [];
  let offset = 0;
  let trainable = 0;
  for (const spec of ordered) {
    const length = product(spec.shape);
    const lrScale = scaleOf(spec);
    slots.set(spec.name, { spec, offset, length, lrScale });
    if (lrScale !== undefined) {
      const last = segments[segments.length - 1];
      if (last && last.lrScale === lrScale && last.offset + last.length === offset) segments[segments.length - 1] = { ...last, length: last.length + length };
      else segments.push({ offset, length, lrScale });
      trainable = offset + length;
    }
    offset += length;
  }
  return { values: new Float32Array(offset), grads: new Float32Array(trainable), slots, segments };
}

export function parameterView(arena: ParameterArena, name: string): Float32Array {
  const slot = arena.slots.get(name);
  if (!slot) throw new Error(`the step has no parameter '${name}'`);
  return arena.values.subarray(slot.offset, slot.offset + slot.length);
}

export function gradientView(arena: ParameterArena, name: string): Float32Array | undefined {
  const slot = arena.slots.get(name);
  if (!slot) throw new Error(`the step has no parameter '${name}'`);
  return slot.lrScale === undefined ? undefined : arena.grads.subarray(slot.offset, slot.offset + slot.length);
}
