/**
 * Elementwise ops as loops over the plan's arrays: activations (other than a
 * ReLU fused into a batch norm), the shifted softplus of the std heads,
 * dropout, residual adds and last-axis slices. Each backward either writes or
 * adds its input gradient, as the plan says.
 */
import type { IrNode } from '../../../../compiler/ir/ir.js';
import type { OpBuilder, OpContext, StepOp, StepRule } from '../op.js';
import { NEVER_ALIAS, NO_FUSION, OP_LABEL, READS_INPUT, READS_INPUT_AND_OUTPUT, READS_NOTHING, ok } from '../op.js';
import { UNARY_OPS } from '../../backends/native/addon.js';
import type { GradTarget, NodeValue } from '../values.js';

/** softplus(z) without overflow (large z) or loss of precision (very negative z). */
function softplus(z: number): number {
  return Math.max(z, 0) + Math.log1p(Math.exp(-Math.abs(z)));
}

function sigmoid(z: number): number {
  return 1 / (1 + Math.exp(-z));
}

/** y = f(x) elementwise; dx = dy * f'(x, y). */
function unaryOp(x: NodeValue, y: NodeValue, dx: GradTarget | undefined, f: (x: number) => number, derivative: (x: number, y: number) => number): StepOp {
  return {
    forward: () => {
      const xs = x.data;
      const ys = y.data;
      for (let i = 0; i < ys.length; i++) ys[i] = f(xs[i]!);
    },
    ...(dx
      ? {
          backward: () => {
            const xs = x.data;
            const ys = y.data;
            const dy = y.grad!;
            const g = dx.grad;
            if (dx.add) for (let i = 0; i < g.length; i++) g[i]! += dy[i]! * derivative(xs[i]!, ys[i]!);
            else for (let i = 0; i < g.length; i++) g[i] = dy[i]! * derivative(xs[i]!, ys[i]!);
          },
        }
      : {}),
  };
}

const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);

/** erf with |error| < 1.5e-7 (Abramowitz and Stegun 7.1.26), enough for float32 activations. */
function erf(x: number): number {
  const t = 1 / (1 + 0.3275911 * Math.abs(x));
  const y = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-x * x);
  return x >= 0 ? y : -y;
}

function activationFunctions(node: IrNode<'Activation'>): [(x: number) => number, (x: number, y: number) => number] {
  const alpha = node.attrs.alpha;
  switch (node.attrs.fn) {
    case 'relu':
      return [(x) => (x > 0 ? x : 0), (x) => (x > 0 ? 1 : 0)];
    case 'sigmoid':
      return [sigmoid, (_x, y) => y * (1 - y)];
    case 'tanh':
      return [Math.tanh, (_x, y) => 1 - y * y];
    case 'leaky_relu': {
      const a = alpha ?? 0.01;
      return [(x) => (x > 0 ? x : a * x), (x) => (x > 0 ? 1 : a)];
    }
    case 'elu': {
      const a = alpha ?? 1;
      return [(x) => (x > 0 ? x : a * (Math.exp(x) - 1)), (x, y) => (x > 0 ? 1 : y + a)];
    }
    case 'gelu':
      return [(x) => 0.5 * x * (1 + erf(x * Math.SQRT1_2)), (x) => 0.5 * (1 + erf(x * Math.SQRT1_2)) + 0.5 * x * SQRT_2_OVER_PI * Math.exp(-0.5 * x * x)];
    case 'softplus':
      return [softplus, (x) => sigmoid(x)];
  }
}

export const activation: OpBuilder<'Activation'> = (ctx) => {
  const [f, derivative] = activationFunctions(ctx.node);
  const op = unaryOp(ctx.inputs[0]!, ctx.output, ctx.inputGrads[0], f, derivative);
  return ctx.node.attrs.fn === 'relu' ? { ...op, forward: reluForward(ctx) } : op;
};

/**
 * ReLU's forward on the native kernel (the one a BatchNorm+ReLU uses): unaryOp's loop calls
 * every activation's function, never inlined, and a JavaScript select over random signs
 * mispredicts half its branches; a ReLU after the sampled latent (the decoder's, over every
 * draw of an evaluation batch) is the largest elementwise pass of an IB model's evaluation.
 * NaN stays NaN, as in TF.js.
 */
function reluForward(ctx: OpContext<'Activation'>): () => void {
  const x = ctx.inputs[0]!;
  const y = ctx.output;
  return () => ok(ctx.kernels.unary(UNARY_OPS.Relu, x.data, y.data, 0), 'unary relu');
}

/**
 * Both passes on the native kernel (native/src/softplus.cc), which follows this file's formulas in
 * branch-free vector code (an IB Fashion model's evaluation batch of 2000 x 64 std values: ~3 ms
 * as a JavaScript loop). Its exp and log1p differ from Math's by a few double ulps, so it lists the
 * few values whose float that could change, and they are computed here: the results are the
 * JavaScript formulas', bit for bit.
 */
export const shiftedSoftplus: OpBuilder<'ShiftedSoftplus'> = (ctx) => {
  const shift = ctx.node.attrs.shift;
  const x = ctx.inputs[0]!;
  const y = ctx.output;
  const dx = ctx.inputGrads[0];
  // [count, index...]: room for every index.
  const undecided = new Int32Array(y.data.length + 1);
  return {
    forward: () => {
      const xs = x.data;
      const ys = y.data;
      ok(ctx.kernels.shiftedSoftplus(xs, ys, shift, undecided), 'shiftedSoftplus');
      const count = undecided[0]!;
      for (let k = 1; k <= count; k++) {
        const i = undecided[k]!;
        ys[i] = softplus(xs[i]! + shift);
      }
    },
    ...(dx
      ? {
          backward: () => {
            const xs = x.data;
            const dy = y.grad!;
            const g = dx.grad;
            ok(ctx.kernels.shiftedSoftplusGrad(xs, dy, g, shift, dx.add ? 1 : 0, undecided), 'shiftedSoftplusGrad');
            const count = undecided[0]!;
            for (let k = 1; k <= count; k++) {
              const i = undecided[k]!;
              const d = dy[i]! * sigmoid(xs[i]! + shift);
              g[i] = dx.add ? g[i]! + d : d;
            }
          },
        }
      : {}),
  };
};

/** Inverted dropout: one noise draw per element in order; kept when u < 1 - rate, then scaled by 1 / (1 - rate). */
export const dropout: OpBuilder<'Dropout'> = (ctx) => {
  const x = ctx.inputs[0]!;
  const y = ctx.output;
  const keep = 1 - ctx.node.attrs.rate;
  const mask = ctx.scratch(y.data.length);
  const dx = ctx.inputGrads[0];
  return {
    forward: () => {
      const noise = ctx.noise();
      const xs = x.data;
      const ys = y.data;
      for (let i = 0; i < ys.length; i++) {
        const m = noise.next() < keep ? 1 / keep : 0;
        mask[i] = m;
        ys[i] = xs[i]! * m;
      }
    },
    ...(dx
      ? {
          backward: () => {
            const dy = y.grad!;
            const g = dx.grad;
            for (let i = 0; i < g.length; i++) g[i] = (dx.add ? g[i]! : 0) + dy[i]! * mask[i]!;
          },
        }
      : {}),
  };
};

/**
 * Gradient of a side that was tiled to the output's rows (row r reads row r mod rows):
 * the sum over the tiles; with equal rows, dy itself.
 */
export function untile(dy: Float32Array, outRows: number, target: GradTarget, rows: number, width: number, scale = 1): void {
  const g = target.grad;
  if (!target.add) g.fill(0);
  for (let r = 0; r < outRows; r++) {
    const src = r * width;
    const dst = (r % rows) * width;
    for (let j = 0; j < width; j++) g[dst + j]! += dy[src + j]! * scale;
  }
}

export const add: OpBuilder<'Add'> = (ctx) => {
  const [a, b] = ctx.inputs as [NodeValue, NodeValue];
  const y = ctx.output;
  const width = y.width;
  const [da, db] = ctx.inputGrads;
  return {
    forward: () => {
      const as = a.data;
      const bs = b.data;
      const ys = y.data;
      for (let r = 0; r < y.rows; r++) {
        const ao = (r % a.rows) * width;
        const bo = (r % b.rows) * width;
        const yo = r * width;
        for (let j = 0; j < width; j++) ys[yo + j] = as[ao + j]! + bs[bo + j]!;
      }
    },
    ...(da || db
      ? {
          backward: () => {
            if (da) untile(y.grad!, y.rows, da, a.rows, width);
            if (db) untile(y.grad!, y.rows, db, b.rows, width);
          },
        }
      : {}),
  };
};

/** A slice of the last axis: [begin, begin + size). */
export const slice: OpBuilder<'Slice'> = (ctx) => {
  const x = ctx.inputs[0]!;
  const y = ctx.output;
  const { begin, size } = ctx.node.attrs;
  const last = x.shape[x.shape.length - 1]!;
  const outer = x.data.length / last;
  const dx = ctx.inputGrads[0];
  return {
    forward: () => {
      const xs = x.data;
      const ys = y.data;
      for (let o = 0; o < outer; o++) for (let j = 0; j < size; j++) ys[o * size + j] = xs[o * last + begin + j]!;
    },
    ...(dx
      ? {
          backward: () => {
            const dy = y.grad!;
            const g = dx.grad;
            if (!dx.add) g.fill(0);
            for (let o = 0; o < outer; o++) for (let j = 0; j < size; j++) g[o * last + begin + j]! += dy[o * size + j]!;
          },
        }
      : {}),
  };
};

/** dx = dy * f'(x, y) reads both. A ReLU reading a BatchNorm alone runs inside it (its value is the BatchNorm's). */
export const activationRule: StepRule<'Activation'> = {
  kind: 'compute',
  precision: {
    bf16: 'float32',
    why: 'elementwise and memory-bound: bf16 would save no time here (the arrays are float32), and sigmoid and tanh saturate where 8 bits blur the gradient',
  },
  train: activation,
  inference: activation,
  alias: (_node, facts) => (facts.fusedIntoProducer ? 0 : undefined),
  backwardReads: READS_INPUT_AND_OUTPUT,
  readsRecomputedInputs: false,
  paramGradients: 'none',
  fusion: { ...NO_FUSION, isRelu: (node) => node.attrs.fn === 'relu' },
  label: (node) => `${node.op} ${node.attrs.fn}`,
};

export const shiftedSoftplusRule: StepRule<'ShiftedSoftplus'> = {
  kind: 'compute',
  precision: {
    bf16: 'float32',
    why: 'the standard deviations of the map and of z, which scale the noise and enter the KL term through log sd; elementwise, so bf16 would save no time',
  },
  train: shiftedSoftplus,
  inference: shiftedSoftplus,
  alias: NEVER_ALIAS,
  // Its gradient is sigmoid(x + shift): the input alone (the native kernel and the JavaScript rule both read x, never y).
  backwardReads: READS_INPUT,
  readsRecomputedInputs: false,
  paramGradients: 'none',
  fusion: NO_FUSION,
  label: OP_LABEL,
};

/** The identity in evaluation and at rate 0; the backward reads its own mask, no value. */
export const dropoutRule: StepRule<'Dropout'> = {
  kind: 'compute',
  precision: {
    bf16: 'float32',
    why: 'a mask and a scale: no arithmetic worth converting',
  },
  train: dropout,
  inference: dropout,
  alias: (node, facts) => (facts.mode === 'eval' || node.attrs.rate <= 0 ? 0 : undefined),
  backwardReads: READS_NOTHING,
  readsRecomputedInputs: false,
  paramGradients: 'none',
  fusion: NO_FUSION,
  label: OP_LABEL,
};

export const addRule: StepRule<'Add'> = {
  kind: 'compute',
  precision: {
    bf16: 'float32',
    why: "a residual sum: rounding both branches to bf16 would lose the small branch's contribution",
  },
  train: add,
  inference: add,
  alias: NEVER_ALIAS,
  backwardReads: READS_NOTHING,
  readsRecomputedInputs: false,
  paramGradients: 'none',
  fusion: NO_FUSION,
  label: OP_LABEL,
};

export const sliceRule: StepRule<'Slice'> = {
  kind: 'compute',
  precision: {
    bf16: 'float32',
    why: 'a copy',
  },
  train: slice,
  inference: slice,
  alias: NEVER_ALIAS,
  backwardReads: READS_NOTHING,
  readsRecomputedInputs: false,
  paramGradients: 'none',
  fusion: NO_FUSION,
  label: OP_LABEL,
};
