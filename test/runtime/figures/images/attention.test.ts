/** The reference code's map pipeline (blur, bicubic resize), kept for exports and comparisons; figures are in figure.test.ts. */
import { describe, expect, it } from 'vitest';
import { continuousMap, gaussianBlur7, minMaxTo255, quantizedMap, resizeBicubic, resizeNearest } from '../../../../src/runtime/figures/images/index.js';
import { BLUR_KERNEL_7, reflect101 } from '../../../../src/runtime/figures/images/attention-map.js';

describe('attention map pipeline', () => {
  it('subtracts the minimum and scales the maximum to 255', () => {
    const scaled = minMaxTo255(new Float32Array([0.2, 0.4, 0.6]));
    expect(scaled[0]).toBe(0);
    expect(scaled[1]).toBeCloseTo(127.5, 4);
    expect(scaled[2]).toBe(255);
    expect(Array.from(minMaxTo255(new Float32Array([0.3, 0.3])))).toEqual([0, 0]);
  });

  it('blurs with the normalised 7-tap kernel and reflect-101 borders', () => {
    expect(BLUR_KERNEL_7.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    expect([-2, -1, 0, 3, 4, 5].map((i) => reflect101(i, 4))).toEqual([2, 1, 0, 3, 2, 1]);
    // An impulse in the middle of a 7x7 map spreads as the outer product of the kernel.
    const impulse = new Float32Array(49);
    impulse[24] = 1;
    const blurred = gaussianBlur7(impulse, 7, 7);
    expect(blurred[24]).toBeCloseTo(0.28125 * 0.28125, 7);
    // the corner reads the impulse twice per axis: at offset 3 and at offset -3 mirrored
    expect(blurred[0]).toBeCloseTo(0.0625 * 0.0625, 7);
    expect(blurred[1]).toBeCloseTo(0.0625 * 0.109375, 7);
    // A constant map stays constant.
    expect(Array.from(gaussianBlur7(new Float32Array(12).fill(3), 3, 4)).every((v) => Math.abs(v - 3) < 1e-5)).toBe(true);
  });

  it('bicubic resize keeps constants and reproduces the grid at the same size', () => {
    const m = Float32Array.from([1, 2, 3, 4]);
    expect(Array.from(resizeBicubic(m, 2, 2, 2, 2))).toEqual([1, 2, 3, 4]);
    expect(Array.from(resizeBicubic(new Float32Array(4).fill(5), 2, 2, 6, 6)).every((v) => Math.abs(v - 5) < 1e-5)).toBe(true);
    expect(Array.from(resizeNearest(m, 2, 2, 4, 4))).toEqual([1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4]);
  });

  it('continuous: maximum exactly 255, minimum 0, peak where the map peaks', () => {
    const map = new Float32Array(16).fill(0.2);
    map[15] = 0.6; // bottom-right of 4x4
    const out = continuousMap(map, [4, 4], 8, 8);
    expect(out.length).toBe(64);
    expect(Math.max(...out)).toBeCloseTo(255, 4);
    expect(Math.min(...out)).toBeGreaterThanOrEqual(0);
    expect(out.indexOf(Math.max(...out))).toBe(63);
    expect(Array.from(continuousMap(new Float32Array(16).fill(0.5), [4, 4], 8, 8)).every((v) => v === 0)).toBe(true);
  });

  it('quantized: nearest resize times 255', () => {
    const out = quantizedMap(Float32Array.from([0, 0.5, 1, 0.25]), [2, 2], 4, 4);
    expect(Array.from(out.subarray(0, 4))).toEqual([0, 0, 127.5, 127.5]);
    expect(out[15]).toBe(63.75);
    expect(out[8]).toBe(255);
  });
});
