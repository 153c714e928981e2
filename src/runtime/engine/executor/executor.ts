/**
 * Runs a ModelIR node by node through the lowering table. The caller owns the
 * tidy scope; the executor only decides which tensors are returned and, when
 * no gradient will be taken, frees intermediates as soon as their last reader
 * has run (peak memory of inference stays at a few activations).
 */
import * as tf from '../tfjs-core.js';
import type { IrNode, ModelIR, ParamRole } from '../../../compiler/ir/ir.js';
import type { Random } from '../../../support/random.js';
import { lowerNode, type ExecutorLoweringContext } from './lowerings.js';

export interface RunOptions {
  readonly training: boolean;
  readonly samples: number;
  readonly noise?: Random | undefined;
  /** Dispose intermediates early. Only when no gradient tape is recording. */
  readonly releaseIntermediates?: boolean;
}

/** New BN moving statistics from a training pass, keyed by the buffer's parameter name. */
export type StatisticsUpdates = Map<string, tf.Tensor>;

export interface GraphResult {
  /** The requested node outputs. */
  readonly outputs: Map<string, tf.Tensor>;
  readonly statistics: StatisticsUpdates;
}

export function runGraph(
  ir: ModelIR,
  paramValue: (name: string) => tf.Tensor,
  input: tf.Tensor,
  options: RunOptions,
  wanted: readonly string[],
): GraphResult {
  const statistics: StatisticsUpdates = new Map();
  const ctx: ExecutorLoweringContext = {
    training: options.training,
    samples: options.samples,
    batch: input.shape[0],
    input,
    param(node: IrNode, role: ParamRole): tf.Tensor {
      const name = node.params[role];
      if (name === undefined) throw new Error(`IR node '${node.id}' (${node.op}) has no '${role}' parameter`);
      return paramValue(name);
    },
    noise(): Random {
      if (!options.noise) throw new Error('a stochastic forward pass (training dropout or samples > 0) needs a noise source');
      return options.noise;
    },
    recordStatistics(node, movingMean, movingVariance) {
      statistics.set(node.params.movingMean!, movingMean);
      statistics.set(node.params.movingVariance!, movingVariance);
    },
  };

  const keep = new Set(wanted);
  const remainingReaders = new Map<string, number>();
  if (options.releaseIntermediates) {
    for (const node of ir.nodes) for (const id of node.inputs) remainingReaders.set(id, (remainingReaders.get(id) ?? 0) + 1);
  }

  const values = new Map<string, tf.Tensor>();
  for (const node of ir.nodes) {
    const inputs = node.inputs.map((id) => {
      const v = values.get(id);
      if (v === undefined) throw new Error(`IR node '${node.id}' reads '${id}', which is not computed before it`);
      return v;
    });
    values.set(node.id, lowerNode(node, inputs, ctx));
    if (options.releaseIntermediates) {
      for (const id of node.inputs) {
        const left = remainingReaders.get(id)! - 1;
        remainingReaders.set(id, left);
        const t = values.get(id)!;
        if (left === 0 && !keep.has(id)) {
          values.delete(id);
          if (t !== input && !isReferencedBy(values, t)) t.dispose();
        }
      }
    }
  }

  const outputs = new Map<string, tf.Tensor>();
  for (const id of wanted) {
    const v = values.get(id);
    if (v === undefined) throw new Error(`IR has no node '${id}'`);
    outputs.set(id, v);
  }
  return { outputs, statistics };
}

/** True when another live entry holds the same tensor (identity lowerings return their input). */
function isReferencedBy(values: Map<string, tf.Tensor>, t: tf.Tensor): boolean {
  for (const v of values.values()) if (v === t) return true;
  return false;
}
