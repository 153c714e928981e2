/**
 * The arithmetic a run trains in (the spec's train.precision, `--precision`):
 * fp32 everywhere, or bf16 convolutions and matrix products on ibc-native's
 * compiled step, on a CPU whose bf16 instructions oneDNN uses. Which ops run
 * in which precision, and why, is in docs/precision.md; the native side is the
 * `precision` argument of the conv2d, conv2dBackprop* and matmul kernels.
 */
import type { ResolvedSpec } from '../../compiler/spec/resolved-spec.js';
import { diagnostic } from '../../diagnostics/catalog.js';
import { RunError } from '../../support/errors.js';
import { PRECISION, type NativeAddon, type NativeInfo, type PrecisionCode } from './backends/native/addon.js';

export type Precision = 'fp32' | 'bf16';
export const PRECISIONS: readonly Precision[] = ['fp32', 'bf16'];

/** The run's precision: the spec's train.precision, fp32 when absent. */
export function precisionOf(spec: ResolvedSpec): Precision {
  return spec.train.precision ?? 'fp32';
}

/** What the native kernels take as their `precision` argument. */
export function precisionCode(precision: Precision): PrecisionCode {
  return precision === 'bf16' ? PRECISION.bf16 : PRECISION.fp32;
}

/**
 * Why these native kernels cannot train in bf16 here, or undefined when they can. Read from
 * the addon's own report (oneDNN's effective ISA), never from /proc/cpuinfo: what matters is
 * whether oneDNN dispatches its bf16 kernels, which ONEDNN_MAX_CPU_ISA can also forbid.
 */
export function bf16Obstacle(info: NativeInfo, env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (typeof info.bf16 !== 'boolean') return 'the native kernels were built before bf16 support (rebuild them: npm run build:native)';
  if (info.bf16) return undefined;
  const limit = env['ONEDNN_MAX_CPU_ISA'] ?? env['DNNL_MAX_CPU_ISA'];
  const cause = limit !== undefined ? `, limited by ONEDNN_MAX_CPU_ISA=${limit}` : ': this CPU has neither AVX512_BF16 nor AMX';
  return `oneDNN ${info.dnnl} runs at instruction set ${info.isa ?? 'unknown'}${cause}`;
}

/** Throws IB6441 when these kernels cannot train in bf16 (precision fp32 always can). */
export function requirePrecision(precision: Precision, kernels: NativeAddon): void {
  if (precision === 'fp32') return;
  const obstacle = bf16Obstacle(kernels.info());
  if (obstacle !== undefined) throw new RunError(diagnostic('precisionBf16Unsupported', { args: { reason: obstacle } }));
}
