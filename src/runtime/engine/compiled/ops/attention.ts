/**
 * The IB attention module's own ops (docs/method.md, sections 1-3): the
 * reparameterised Sample, nearest-anchor quantization with a straight-through
 * gradient, the residual modulation f + f * a, the average over samples, and
 * nearest-neighbour resizing of the map. Noise is drawn exactly as the TF.js
 * executor draws it (one fillNormal per Sample node, over the tiled output, in
 * node order), so one Random state reproduces a pass on either path.
 */
import type { OpBuilder, OpContext, StepRule } from '../op.js';
import { NEVER_ALIAS, NO_FUSION, OP_LABEL, READS_NOTHING, ok } from '../op.js';
import { BINARY_OPS } from '../../backends/native/addon.js';
import { nearestSourceIndices } from '../../../../compiler/ir/index-maps.js';
import { untile } from './elementwise.js';
import type { NodeValue } from '../values.js';

/**
 * mean + std * eps over n tiles of the inputs (n >= 1; n = 0 is an alias the plan makes): the noise
 * drawn here in JavaScript, the sum on the native kernel (native/src/sample.cc: the JavaScript
 * loop's arithmetic, bit for bit).
 */
export const sample: OpBuilder<'Sample'> = (ctx) => {
  const [mean, std] = ctx.inputs as [NodeValue, NodeValue];
  const y = ctx.output;
  // Every row of y reads the same row of mean and std (op-facts.ts gives y n times mean's rows).
  if (std.rows !== mean.rows || y.rows % mean.rows !== 0) throw new Error(`Sample ${ctx.node.id}: rows ${mean.rows} (mean), ${std.rows} (std), ${y.rows} (output) do not tile`);
  const eps = ctx.scratch(y.data.length);
  const width = y.width;
  const [dMean, dStd] = ctx.inputGrads;
  const stdScaled = ctx.scratch(dStd ? y.data.length : 0);
  return {
    forward: () => {
      ctx.noise().fillNormal(eps);
      ok(ctx.kernels.sample(mean.data, std.data, eps, y.data), 'sample');
    },
    ...(dMean || dStd
      ? {
          backward: () => {
            const dy = y.grad!;
            if (dMean) untile(dy, y.rows, dMean, mean.rows, width);
            if (dStd) {
              for (let i = 0; i < dy.length; i++) stdScaled[i] = dy[i]! * eps[i]!;
              untile(stdScaled, y.rows, dStd, std.rows, width);
            }
          },
        }
      : {}),
  };
};

/** Forward: the nearest anchor's value; backward: the identity to a (the anchors learn through the vq loss). */
export const quantize: OpBuilder<'Quantize'> = (ctx) => {
  const a = ctx.inputs[0]!;
  const y = ctx.output;
  const anchors = ctx.param('anchors');
  const da = ctx.inputGrads[0];
  const nearest = new Int32Array(y.data.length);
  return {
    // The native scan gives nearestAnchorIndex's anchors exactly (native/src/nearest_anchor.cc).
    forward: () => ok(ctx.kernels.nearestAnchor(a.data, anchors, nearest, y.data), 'nearestAnchor'),
    ...(da
      ? {
          backward: () => {
            const dy = y.grad!;
            const g = da.grad;
            if (da.add) for (let i = 0; i < g.length; i++) g[i]! += dy[i]!;
            else g.set(dy);
          },
        }
      : {}),
  };
};

/**
 * g = f * (1 + a). Where the map has every row of g (sample-major tiles of f's rows), one call of
 * the native broadcasting multiply, f over the tiles and 1 + a over the channels (an IB Fashion
 * model's evaluation batch: 2.9 ms in JavaScript, ~0.5 natively); otherwise a loop.
 */
function modulateForward(ctx: OpContext<'Modulate'>, f: NodeValue, a: NodeValue, channels: number, pixels: number): () => void {
  const y = ctx.output;
  if (a.rows === y.rows && y.rows % f.rows === 0) {
    const scale = ctx.scratch(a.data.length);
    const tiles = y.rows / f.rows;
    // [tiles, f's rows, pixels, channels]; f repeats over the tiles, the scale over the channels.
    const layout = Int32Array.from([4, tiles, f.rows, pixels, channels, 0, pixels * channels, channels, 1, f.rows * pixels, pixels, 1, 0]);
    return () => {
      const as = a.data;
      for (let i = 0; i < as.length; i++) scale[i] = 1 + as[i]!;
      ok(ctx.kernels.binary(BINARY_OPS.Multiply, f.data, scale, y.data, layout), 'binary multiply');
    };
  }
  return () => {
    const fs = f.data;
    const as = a.data;
    const ys = y.data;
    for (let r = 0; r < y.rows; r++) {
      const fBase = (r % f.rows) * f.width;
      const aBase = (r % a.rows) * pixels;
      const yBase = r * y.width;
      for (let p = 0; p < pixels; p++) {
        const s = 1 + as[aBase + p]!;
        const o = p * channels;
        for (let c = 0; c < channels; c++) ys[yBase + o + c] = fs[fBase + o + c]! * s;
      }
    }
  };
}

/** g = f + f * a, a one-channel map broadcast over f's channels; f tiled sample-major to a's rows. */
export const modulate: OpBuilder<'Modulate'> = (ctx) => {
  const [f, a] = ctx.inputs as [NodeValue, NodeValue];
  const y = ctx.output;
  const channels = f.shape[f.shape.length - 1]!;
  const pixels = f.width / channels;
  const [df, da] = ctx.inputGrads;
  const dfTiled = ctx.scratch(df ? y.data.length : 0);
  return {
    forward: modulateForward(ctx, f, a, channels, pixels),
    ...(df || da
      ? {
          backward: () => {
            const dy = y.grad!;
            const fs = f.data;
            const as = a.data;
            if (da && !da.add) da.grad.fill(0);
            for (let r = 0; r < y.rows; r++) {
              const fBase = (r % f.rows) * f.width;
              const aBase = (r % a.rows) * pixels;
              const yBase = r * y.width;
              for (let p = 0; p < pixels; p++) {
                const scale = 1 + as[aBase + p]!;
                const o = p * channels;
                let sum = 0;
                for (let c = 0; c < channels; c++) {
                  const d = dy[yBase + o + c]!;
                  if (df) dfTiled[yBase + o + c] = d * scale;
                  sum += d * fs[fBase + o + c]!;
                }
                if (da) da.grad[aBase + p]! += sum;
              }
            }
            if (df) untile(dfTiled, y.rows, df, f.rows, f.width);
          },
        }
      : {}),
  };
};

/** The average over the n samples folded into the rows (sample-major) back to the batch B. */
export const sampleMean: OpBuilder<'SampleMean'> = (ctx) => {
  const x = ctx.inputs[0]!;
  const y = ctx.output;
  const draws = x.rows / y.rows;
  const dx = ctx.inputGrads[0];
  return {
    forward: () => {
      const xs = x.data;
      const ys = y.data;
      ys.fill(0);
      for (let s = 0; s < draws; s++) {
        const base = s * ys.length;
        for (let i = 0; i < ys.length; i++) ys[i]! += xs[base + i]!;
      }
      for (let i = 0; i < ys.length; i++) ys[i]! /= draws;
    },
    ...(dx
      ? {
          backward: () => {
            const dy = y.grad!;
            const g = dx.grad;
            for (let s = 0; s < draws; s++) {
              const base = s * dy.length;
              for (let i = 0; i < dy.length; i++) g[base + i] = (dx.add ? g[base + i]! : 0) + dy[i]! / draws;
            }
          },
        }
      : {}),
  };
};

export const resizeNearest: OpBuilder<'ResizeNearest'> = (ctx) => {
  const x = ctx.inputs[0]!;
  const y = ctx.output;
  const [h, w, c] = x.shape as [number, number, number];
  const [oh, ow] = y.shape as [number, number];
  const rowsFrom = nearestSourceIndices(h, oh);
  const colsFrom = nearestSourceIndices(w, ow);
  // Per output cell of one example, the offset of the input cell it copies (both in floats).
  const source = Int32Array.from({ length: oh * ow }, (_, cell) => (rowsFrom[Math.floor(cell / ow)]! * w + colsFrom[cell % ow]!) * c);
  const dx = ctx.inputGrads[0];
  return {
    forward: () => {
      const xs = x.data;
      const ys = y.data;
      for (let r = 0; r < y.rows; r++)
        for (let cell = 0; cell < source.length; cell++) {
          const from = r * x.width + source[cell]!;
          const to = r * y.width + cell * c;
          for (let ch = 0; ch < c; ch++) ys[to + ch] = xs[from + ch]!;
        }
    },
    ...(dx
      ? {
          backward: () => {
            const dy = y.grad!;
            const g = dx.grad;
            if (!dx.add) g.fill(0);
            for (let r = 0; r < y.rows; r++)
              for (let cell = 0; cell < source.length; cell++) {
                const to = r * x.width + source[cell]!;
                const from = r * y.width + cell * c;
                for (let ch = 0; ch < c; ch++) g[to + ch]! += dy[from + ch]!;
              }
          },
        }
      : {}),
  };
};

/** With no draws (n = 0) the mean itself; the backward reads its own noise, no value. */
export const sampleRule: StepRule<'Sample'> = {
  kind: 'compute',
  precision: {
    bf16: 'float32',
    why: "the reparameterisation mu + sd * eps of the map and of z: eps is drawn in double from the run's noise stream (the same draws in every precision), and sd * eps is about 1% of mu, which bf16's steps of 0.4% of mu would quantize to a few levels",
  },
  train: sample,
  inference: sample,
  alias: (_node, facts) => (facts.samples <= 0 ? 0 : undefined),
  backwardReads: READS_NOTHING,
  readsRecomputedInputs: false,
  paramGradients: 'none',
  fusion: NO_FUSION,
  label: OP_LABEL,
};

/** Straight-through: the backward copies dy; the anchors' gradient is the loss's (the vq term). */
export const quantizeRule: StepRule<'Quantize'> = {
  kind: 'compute',
  precision: {
    bf16: 'float32',
    why: 'the distances from the map to the anchors decide which anchor each pixel takes: rounding the map to bf16 moves it by up to 0.002 near 1, which would flip the anchor of every pixel that close to a midpoint, and the vq and commit terms are squared distances of that order late in training',
  },
  train: quantize,
  inference: quantize,
  alias: NEVER_ALIAS,
  backwardReads: READS_NOTHING,
  readsRecomputedInputs: false,
  paramGradients: 'loss',
  fusion: NO_FUSION,
  label: OP_LABEL,
};

/** The backward reads both inputs: df = dy * (1 + a), da = sum over channels of dy * f. */
export const modulateRule: StepRule<'Modulate'> = {
  kind: 'compute',
  precision: {
    bf16: 'float32',
    why: 'f * (1 + a): a copy of f scaled per pixel, memory-bound',
  },
  train: modulate,
  inference: modulate,
  alias: NEVER_ALIAS,
  backwardReads: () => ({ inputs: [0, 1], output: false }),
  readsRecomputedInputs: false,
  paramGradients: 'none',
  fusion: NO_FUSION,
  label: OP_LABEL,
};

/** With one draw per image (its input has the batch's rows) the input itself. */
export const sampleMeanRule: StepRule<'SampleMean'> = {
  kind: 'compute',
  precision: {
    bf16: 'float32',
    why: "the mean of the n x n draws' logits, feeding softmax and cross-entropy (computed in double in loss.ts, with the KL and the anchor terms)",
  },
  train: sampleMean,
  inference: sampleMean,
  alias: (_node, facts) => (facts.inputRows[0] === facts.batch ? 0 : undefined),
  backwardReads: READS_NOTHING,
  readsRecomputedInputs: false,
  paramGradients: 'none',
  fusion: NO_FUSION,
  label: OP_LABEL,
};

export const resizeNearestRule: StepRule<'ResizeNearest'> = {
  kind: 'compute',
  precision: {
    bf16: 'float32',
    why: 'a gather, exact in any precision',
  },
  train: resizeNearest,
  inference: resizeNearest,
  alias: NEVER_ALIAS,
  backwardReads: READS_NOTHING,
  readsRecomputedInputs: false,
  paramGradients: 'none',
  fusion: NO_FUSION,
  label: OP_LABEL,
};
