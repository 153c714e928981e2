import { util, type TensorInfo } from '../../../tfjs-core.js';
import { check, type NativeBackend } from '../backend.js';

/**
 * Shared by BatchMatMul and _FusedMatMul: a [..., m, k] x [..., k, n] product
 * whose batch dimensions are equal or one side's are all 1.
 */
export function nativeMatMul(
  backend: NativeBackend, kernel: string, a: TensorInfo, b: TensorInfo, transposeA: boolean, transposeB: boolean,
  bias: Float32Array | null, activation: number, alpha: number,
): TensorInfo | undefined {
  const av = backend.f32(a), bv = backend.f32(b);
  const [aRows, aCols] = a.shape.slice(-2), [bRows, bCols] = b.shape.slice(-2);
  if (!av || !bv || aRows === undefined || aCols === undefined || bRows === undefined || bCols === undefined) return undefined;
  const [m, k] = transposeA ? [aCols, aRows] : [aRows, aCols];
  const [k2, n] = transposeB ? [bCols, bRows] : [bRows, bCols];
  if (k !== k2 || m === 0 || n === 0 || k === 0) return undefined;
  const outerA = a.shape.slice(0, -2), outerB = b.shape.slice(0, -2);
  const batchA = util.sizeFromShape(outerA), batchB = util.sizeFromShape(outerB);
  let outer: number[];
  if (batchA === batchB && util.arraysEqual(outerA, outerB)) outer = outerA;
  else if (batchA === 1) outer = outerB.length >= outerA.length ? outerB : outerA.map(() => 1);
  else if (batchB === 1) outer = outerA.length >= outerB.length ? outerA : outerB.map(() => 1);
  else return undefined;
  if (batchA !== 1 && batchB !== 1 && outerA.length !== outerB.length) return undefined;
  const batch = Math.max(batchA, batchB);
  const out = backend.allocate(batch * m * n);
  const dims = Int32Array.from([batchA, batchB, m, n, k, transposeA ? 1 : 0, transposeB ? 1 : 0]);
  if (!check(kernel, backend.addon.matmul(av, bv, bias, out, dims, activation, alpha))) return undefined;
  return backend.output([...outer, m, n], out);
}
