/**
 * The buffers of a planned training step. Every node of the IR gets one value:
 * its output for the whole (sample-tiled) batch, allocated once when the step
 * is planned, and, when a gradient flows into it, a gradient array of the same
 * size. Nothing is allocated while a step runs.
 */
import type { IrNode } from '../../../compiler/ir/ir.js';

export interface NodeValue {
  readonly node: IrNode;
  /** Rows: the batch B, or n * B after a Sample with n draws (sample-major). */
  readonly rows: number;
  /** Per-example shape (the IR's node shape). */
  readonly shape: readonly number[];
  /** Values per row. */
  readonly width: number;
  readonly data: Float32Array;
  /** d loss / d value, when some trainable parameter lies upstream. */
  readonly grad: Float32Array | undefined;
}

/**
 * Where an op writes the gradient of one of its inputs. `add` is false when
 * the op is the only contributor (it may overwrite); true when several ops
 * contribute (the plan zeroes the array before the backward pass and each adds).
 */
export interface GradTarget {
  readonly grad: Float32Array;
  readonly add: boolean;
}

export function product(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}
