/**
 * Pooling. Max and average windows run natively (padded cells are skipped,
 * which is -inf padding for max and TF's count-excludes-padding for average,
 * the lowerings' semantics); the max pool records where each maximum came
 * from, so its gradient is a scatter. Global and adaptive averages are loops.
 */
import type { OpBuilder } from '../op.js';
import type { StepRule } from '../op.js';
import { NEVER_ALIAS, NO_FUSION, OP_LABEL, READS_NOTHING, ok, overwriteTarget } from '../op.js';
import { adaptiveBins } from '../../../../compiler/ir/index-maps.js';

function poolGeometry(rows: number, input: readonly number[], output: readonly number[], size: readonly number[], stride: readonly number[], top: number, left: number): Int32Array {
  const [h, w, c] = input as [number, number, number];
  const [oh, ow] = output as [number, number];
  return Int32Array.from([rows, h, w, c, oh, ow, size[0]!, size[1]!, stride[0]!, stride[1]!, 1, 1, top, left]);
}

export const maxPool: OpBuilder<'MaxPool'> = (ctx) => {
  const { node, output: y, kernels } = ctx;
  const x = ctx.inputs[0]!;
  const { size, stride, pads } = node.attrs;
  const geometry = poolGeometry(x.rows, x.shape, y.shape, size, stride, pads.top, pads.left);
  const argmax = new Int32Array(y.data.length);
  const dx = overwriteTarget(ctx, 0);
  // The ReLU before this pool: its output at the argmax is this pool's output, so the scatter keeps only output > 0.
  const keep = ctx.poolMasksRelu ? ctx.savedOutput : null;
  return {
    forward: () => ok(kernels.maxPoolArgmax(x.data, y.data, argmax, geometry), 'maxPoolArgmax'),
    ...(dx
      ? {
          backward: () => {
            ok(kernels.maxPoolGradArgmax(y.grad!, argmax, dx.array, x.width, y.width, keep), 'maxPoolGradArgmax');
            dx.finish();
          },
        }
      : {}),
  };
};

/**
 * The evaluation pass: the maxima alone (the same values: both kernels skip padded cells and
 * NaNs), with no argmax to record for a backward pass it does not have: about half
 * maxPoolArgmax's time. With a BatchNorm(+ReLU) folded in, x is the BatchNorm's input and each
 * cell is normalised as it is read: the same bits as the three kernels one after the other,
 * without writing and reading the normalised map.
 */
export const maxPoolInference: OpBuilder<'MaxPool'> = (ctx) => {
  const { node, output: y, kernels } = ctx;
  const x = ctx.inputs[0]!;
  const { size, stride, pads } = node.attrs;
  const geometry = poolGeometry(x.rows, x.shape, y.shape, size, stride, pads.top, pads.left);
  const folded = ctx.foldedProducer;
  if (folded) {
    const relu = folded.relu ? 1 : 0;
    return {
      forward: () =>
        ok(kernels.batchNormMaxPool(x.data, folded.mean, folded.variance, folded.offset, folded.scale, y.data, geometry, folded.epsilon, relu), 'batchNormMaxPool'),
    };
  }
  return { forward: () => ok(kernels.maxPool(x.data, y.data, geometry), 'maxPool') };
};

/**
 * Average pooling over the window's cells inside the input. The backward pass is a loop: the
 * native AvgPoolGrad is TF.js's, which divides by the whole window even where padding cut it.
 */
export const avgPool: OpBuilder<'AvgPool'> = (ctx) => {
  const { node, output: y, kernels } = ctx;
  const x = ctx.inputs[0]!;
  const { size, stride, pads } = node.attrs;
  const geometry = poolGeometry(x.rows, x.shape, y.shape, size, stride, pads.top, pads.left);
  const [h, w, c] = x.shape as [number, number, number];
  const [oh, ow] = y.shape as [number, number];
  const dx = ctx.inputGrads[0];
  return {
    forward: () => ok(kernels.avgPool(x.data, y.data, geometry), 'avgPool'),
    ...(dx
      ? {
          backward: () => {
            const g = dx.grad;
            const dy = y.grad!;
            if (!dx.add) g.fill(0);
            for (let r = 0; r < x.rows; r++)
              for (let i = 0; i < oh; i++) {
                const top = Math.max(0, i * stride[0] - pads.top);
                const bottom = Math.min(h, i * stride[0] - pads.top + size[0]);
                for (let j = 0; j < ow; j++) {
                  const left = Math.max(0, j * stride[1] - pads.left);
                  const right = Math.min(w, j * stride[1] - pads.left + size[1]);
                  const scale = 1 / ((bottom - top) * (right - left));
                  const o = ((r * oh + i) * ow + j) * c;
                  for (let a = top; a < bottom; a++)
                    for (let b = left; b < right; b++) {
                      const base = ((r * h + a) * w + b) * c;
                      for (let ch = 0; ch < c; ch++) g[base + ch]! += dy[o + ch]! * scale;
                    }
                }
              }
          },
        }
      : {}),
  };
};

export const globalAvgPool: OpBuilder<'GlobalAvgPool'> = (ctx) => {
  const { output: y } = ctx;
  const x = ctx.inputs[0]!;
  const c = y.width;
  const cells = x.width / c;
  const dx = ctx.inputGrads[0];
  return {
    forward: () => {
      const xs = x.data;
      const ys = y.data;
      for (let r = 0; r < x.rows; r++) {
        const base = r * x.width;
        for (let ch = 0; ch < c; ch++) {
          let s = 0;
          for (let p = 0; p < cells; p++) s += xs[base + p * c + ch]!;
          ys[r * c + ch] = s / cells;
        }
      }
    },
    ...(dx
      ? {
          backward: () => {
            const g = dx.grad;
            const dy = y.grad!;
            for (let r = 0; r < x.rows; r++) {
              for (let p = 0; p < cells; p++) {
                const base = r * x.width + p * c;
                for (let ch = 0; ch < c; ch++) {
                  const v = dy[r * c + ch]! / cells;
                  g[base + ch] = dx.add ? g[base + ch]! + v : v;
                }
              }
            }
          },
        }
      : {}),
  };
};

export const adaptiveAvgPool: OpBuilder<'AdaptiveAvgPool'> = (ctx) => {
  const { output: y } = ctx;
  const x = ctx.inputs[0]!;
  const [h, w, c] = x.shape as [number, number, number];
  const [oh, ow] = y.shape as [number, number];
  const rowBins = adaptiveBins(h, oh);
  const colBins = adaptiveBins(w, ow);
  const dx = ctx.inputGrads[0];
  const visit = (f: (r: number, outIndex: number, inIndex: number, scale: number) => void): void => {
    for (let r = 0; r < x.rows; r++) {
      for (let i = 0; i < oh; i++) {
        const [r0, r1] = rowBins[i]!;
        for (let j = 0; j < ow; j++) {
          const [c0, c1] = colBins[j]!;
          const scale = 1 / ((r1 - r0) * (c1 - c0));
          for (let a = r0; a < r1; a++) for (let b = c0; b < c1; b++) f(r, ((r * oh + i) * ow + j) * c, ((r * h + a) * w + b) * c, scale);
        }
      }
    }
  };
  return {
    forward: () => {
      const xs = x.data;
      const ys = y.data;
      ys.fill(0);
      visit((_r, o, i, scale) => {
        for (let ch = 0; ch < c; ch++) ys[o + ch]! += xs[i + ch]! * scale;
      });
    },
    ...(dx
      ? {
          backward: () => {
            const g = dx.grad;
            const dy = y.grad!;
            if (!dx.add) g.fill(0);
            visit((_r, o, i, scale) => {
              for (let ch = 0; ch < c; ch++) g[i + ch]! += dy[o + ch]! * scale;
            });
          },
        }
      : {}),
  };
};

/**
 * The backward scatters through the recorded argmax; reading a BatchNorm+ReLU alone, it applies
 * the ReLU's mask from its own output. In evaluation it runs such a BatchNorm(+ReLU) inside itself.
 */
export const maxPoolRule: StepRule<'MaxPool'> = {
  kind: 'compute',
  precision: {
    bf16: 'float32',
    why: 'a selection, not arithmetic: exact in any precision, and its arrays are float32',
  },
  train: maxPool,
  inference: maxPoolInference,
  alias: NEVER_ALIAS,
  backwardReads: (_node, fusion) => ({ inputs: [], output: fusion.poolMasksRelu }),
  readsRecomputedInputs: false,
  paramGradients: 'none',
  fusion: { ...NO_FUSION, masksRelu: true, foldsProducer: true },
  label: (node, fusion) => (fusion.foldedProducer ? `${fusion.foldedProducer.label}+${node.op}` : node.op),
};

export const avgPoolRule: StepRule<'AvgPool'> = {
  kind: 'compute',
  precision: {
    bf16: 'float32',
    why: 'memory-bound sums over small windows, float32 like its arrays',
  },
  train: avgPool,
  inference: avgPool,
  alias: NEVER_ALIAS,
  backwardReads: READS_NOTHING,
  readsRecomputedInputs: false,
  paramGradients: 'none',
  fusion: NO_FUSION,
  label: OP_LABEL,
};

export const globalAvgPoolRule: StepRule<'GlobalAvgPool'> = {
  kind: 'compute',
  precision: {
    bf16: 'float32',
    why: 'a mean over the whole map: float32 accumulation, like its arrays',
  },
  train: globalAvgPool,
  inference: globalAvgPool,
  alias: NEVER_ALIAS,
  backwardReads: READS_NOTHING,
  readsRecomputedInputs: false,
  paramGradients: 'none',
  fusion: NO_FUSION,
  label: OP_LABEL,
};

export const adaptiveAvgPoolRule: StepRule<'AdaptiveAvgPool'> = {
  kind: 'compute',
  precision: {
    bf16: 'float32',
    why: 'means over windows, float32 like its arrays',
  },
  train: adaptiveAvgPool,
  inference: adaptiveAvgPool,
  alias: NEVER_ALIAS,
  backwardReads: READS_NOTHING,
  readsRecomputedInputs: false,
  paramGradients: 'none',
  fusion: NO_FUSION,
  label: OP_LABEL,
};
