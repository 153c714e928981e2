import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { inferShape, resolvePads, SHAPE_FUNCTIONS, type ShapeResult } from '../../../src/compiler/ir/shape.js';
import { OPS } from '../../../src/compiler/ir/ir.js';

const shapeOf = (r: ShapeResult) => ('shape' in r ? r.shape : r.error);
const zero = { top: 0, bottom: 0, left: 0, right: 0 };

describe('inferShape', () => {
  it('has a shape function for every op', () => {
    expect(Object.keys(SHAPE_FUNCTIONS).sort()).toEqual([...OPS].sort());
  });

  it('Conv2D: same padding keeps the size, stride 2 halves it, filters set channels', () => {
    const attrs = { filters: 8, kernel: [3, 3] as const, stride: [1, 1] as const, dilation: [1, 1] as const, pads: resolvePads('same', [28, 28], [3, 3], [1, 1]), bias: true };
    expect(shapeOf(inferShape('Conv2D', attrs, [[28, 28, 1]]))).toEqual([28, 28, 8]);
    const s2 = { ...attrs, stride: [2, 2] as const, pads: resolvePads('same', [28, 28], [3, 3], [2, 2]) };
    expect(shapeOf(inferShape('Conv2D', s2, [[28, 28, 1]]))).toEqual([14, 14, 8]);
  });

  it('Conv2D: a kernel that does not fit is explained', () => {
    const attrs = { filters: 4, kernel: [5, 5] as const, stride: [1, 1] as const, dilation: [1, 1] as const, pads: zero, bias: false };
    const r = inferShape('Conv2D', attrs, [[3, 3, 2]]);
    expect('error' in r && r.error).toMatch(/kernel 5x5 does not fit the 3x3 input/);
    expect('error' in inferShape('Conv2D', attrs, [[16]])).toBe(true);
  });

  it('pools, global and adaptive pooling', () => {
    expect(shapeOf(inferShape('MaxPool', { size: [2, 2], stride: [2, 2], pads: zero }, [[7, 7, 3]]))).toEqual([3, 3, 3]);
    expect(shapeOf(inferShape('AvgPool', { size: [3, 3], stride: [2, 2], pads: { top: 1, bottom: 1, left: 1, right: 1 } }, [[112, 112, 64]]))).toEqual([56, 56, 64]);
    const tooSmall = inferShape('MaxPool', { size: [2, 2], stride: [2, 2], pads: zero }, [[1, 1, 512]]);
    expect('error' in tooSmall && tooSmall.error).toMatch(/output would be 0x0/);
    expect(shapeOf(inferShape('GlobalAvgPool', {}, [[7, 7, 2048]]))).toEqual([2048]);
    expect(shapeOf(inferShape('AdaptiveAvgPool', { size: [3, 3] }, [[14, 14, 512]]))).toEqual([3, 3, 512]);
  });

  it('vector ops: flatten, dense, slice', () => {
    expect(shapeOf(inferShape('Flatten', {}, [[3, 3, 32]]))).toEqual([288]);
    expect(shapeOf(inferShape('Dense', { units: 128, bias: true }, [[288]]))).toEqual([128]);
    const onMap = inferShape('Dense', { units: 10, bias: true }, [[3, 3, 32]]);
    expect('error' in onMap && onMap.error).toMatch(/add 'flatten'/);
    expect(shapeOf(inferShape('Slice', { begin: 64, size: 64 }, [[128]]))).toEqual([64]);
    expect('error' in inferShape('Slice', { begin: 64, size: 65 }, [[128]])).toBe(true);
  });

  it('attention ops: sample, quantize, resize, modulate, sample mean', () => {
    expect(shapeOf(inferShape('Sample', { role: 'attention' }, [[7, 7, 1], [7, 7, 1]]))).toEqual([7, 7, 1]);
    expect('error' in inferShape('Sample', { role: 'latent' }, [[64], [32]])).toBe(true);
    expect(shapeOf(inferShape('Quantize', { anchorCount: 20 }, [[7, 7, 1]]))).toEqual([7, 7, 1]);
    expect(shapeOf(inferShape('ResizeNearest', { size: [14, 14] }, [[7, 7, 1]]))).toEqual([14, 14, 1]);
    expect(shapeOf(inferShape('Modulate', {}, [[7, 7, 16], [7, 7, 1]]))).toEqual([7, 7, 16]);
    expect('error' in inferShape('Modulate', {}, [[7, 7, 16], [14, 14, 1]])).toBe(true);
    expect('error' in inferShape('Modulate', {}, [[7, 7, 16], [7, 7, 2]])).toBe(true);
    expect(shapeOf(inferShape('SampleMean', {}, [[10]]))).toEqual([10]);
  });

  it('Add needs equal shapes; BatchNorm keeps the shape', () => {
    expect(shapeOf(inferShape('Add', {}, [[8, 8, 4], [8, 8, 4]]))).toEqual([8, 8, 4]);
    expect('error' in inferShape('Add', {}, [[8, 8, 4], [4, 4, 4]])).toBe(true);
    expect(shapeOf(inferShape('BatchNorm', { epsilon: 1e-5, momentum: 0.1 }, [[64]]))).toEqual([64]);
  });
});

describe('resolvePads', () => {
  it('TF same: asymmetric for even inputs with stride 2, extra pixel at the bottom/right', () => {
    expect(resolvePads('same', [32, 32], [3, 3], [2, 2])).toEqual({ top: 0, bottom: 1, left: 0, right: 1 });
    expect(resolvePads('same', [28, 28], [3, 3], [1, 1])).toEqual({ top: 1, bottom: 1, left: 1, right: 1 });
    expect(resolvePads('same', [7, 7], [2, 2], [1, 1])).toEqual({ top: 0, bottom: 1, left: 0, right: 1 });
    expect(resolvePads('valid', [7, 7], [3, 3], [1, 1])).toEqual(zero);
    expect(resolvePads(2, [7, 7], [5, 5], [1, 1])).toEqual({ top: 2, bottom: 2, left: 2, right: 2 });
  });
});

const dim = fc.integer({ min: 1, max: 64 });
const small = fc.integer({ min: 1, max: 5 });

describe('properties', () => {
  it('conv output = floor((in + pads - d(k-1) - 1) / s) + 1, or an error exactly when that is < 1', () => {
    fc.assert(
      fc.property(dim, dim, small, small, small, small, fc.integer({ min: 0, max: 3 }), (h, w, k, s, d, filters, p) => {
        const pads = { top: p, bottom: p, left: p, right: p };
        const r = inferShape('Conv2D', { filters, kernel: [k, k], stride: [s, s], dilation: [d, d], pads, bias: true }, [[h, w, 3]]);
        const oh = Math.floor((h + 2 * p - d * (k - 1) - 1) / s) + 1;
        const ow = Math.floor((w + 2 * p - d * (k - 1) - 1) / s) + 1;
        if (oh >= 1 && ow >= 1) expect(shapeOf(r)).toEqual([oh, ow, filters]);
        else expect('error' in r).toBe(true);
      }),
    );
  });

  it("'same' padding gives ceil(in / stride) for any kernel and dilation", () => {
    fc.assert(
      fc.property(dim, dim, small, small, small, (h, w, k, s, d) => {
        const pads = resolvePads('same', [h, w], [k, k], [s, s], [d, d]);
        const r = inferShape('Conv2D', { filters: 1, kernel: [k, k], stride: [s, s], dilation: [d, d], pads, bias: false }, [[h, w, 1]]);
        expect(shapeOf(r)).toEqual([Math.ceil(h / s), Math.ceil(w / s), 1]);
        expect(pads.bottom - pads.top === 0 || pads.bottom - pads.top === 1).toBe(true);
      }),
    );
  });

  it('max/avg pool output = floor((in + pads - size) / stride) + 1 with valid padding', () => {
    fc.assert(
      fc.property(dim, dim, small, small, (h, w, k, s) => {
        for (const op of ['MaxPool', 'AvgPool'] as const) {
          const r = inferShape(op, { size: [k, k], stride: [s, s], pads: zero }, [[h, w, 2]]);
          const oh = Math.floor((h - k) / s) + 1;
          const ow = Math.floor((w - k) / s) + 1;
          if (oh >= 1 && ow >= 1) expect(shapeOf(r)).toEqual([oh, ow, 2]);
          else expect('error' in r).toBe(true);
        }
      }),
    );
  });
});
