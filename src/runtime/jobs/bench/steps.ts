/**
 * `ibc bench SPEC`: training steps of a compiled spec's model timed on the
 * chosen backend, as the one record the command prints (JSON keys in the
 * documented order).
 */
import { modelFlops } from '../../../compiler/resources/training-flops.js';
import type { ModelIR } from '../../../compiler/ir/ir.js';
import type { ResolvedSpec } from '../../../compiler/spec/resolved-spec.js';
import type { BackendChoice, HostFallback } from '../../engine/backends/select.js';
import { formatAdapter } from '../../engine/backends/webgpu/adapter.js';
import { chooseStepEngine, choicePrecision, type StepRequest } from '../../engine/choose-engine.js';
import { timeTrainingSteps, type KernelTime } from './time-training.js';
import type { Precision } from '../../engine/precision.js';

export interface BenchRecord {
  readonly spec: string;
  readonly backend: string;
  /** What ran the steps: the compiled step or the TF.js executor. */
  readonly training_step: 'compiled' | 'tfjs';
  /** The arithmetic of convolutions and matrix products (train.precision). */
  readonly precision: Precision;
  /** webgpu: the adapter computed on ("name (vendor, architecture)"). */
  readonly adapter?: string;
  readonly batch: number;
  readonly steps: number;
  readonly img_per_s: number;
  readonly ms_per_step: number;
  readonly gflops_per_s: number;
  /** The process's resident-memory high-water mark so far, in MB (read before any calibration: peak.ts). */
  readonly peak_rss_mb: number;
  /** ibc-native: this machine's measured peak for the precision (peak.ts), and gflops_per_s as a fraction of it. */
  readonly peak_gflops_per_s?: number;
  readonly of_peak?: number;
  /** webgpu: kernel runs that executed on the CPU during the measurement (the goal is 0). */
  readonly cpu_fallbacks?: number;
  readonly cpu_fallback_kernels?: readonly HostFallback[];
  readonly kernels?: readonly KernelTime[];
}

export interface StepBenchOptions {
  /** Images per step; undefined: the spec's train.batch. */
  readonly batch?: number;
  readonly steps: number;
  readonly warmup: number;
  readonly profile: boolean;
  readonly step: StepRequest;
}

/** `x` rounded to `digits` decimals, as the records show it. */
export const round = (x: number, digits: number): number => Number(x.toFixed(digits));

function fallbackTotal(list: readonly HostFallback[]): Map<string, number> {
  return new Map(list.map((f) => [f.kernel, f.count]));
}

/** Kernel runs on the CPU between two readings of the backend's counter. */
function fallbacksSince(before: Map<string, number>, now: readonly HostFallback[]): HostFallback[] {
  return now.map((f) => ({ kernel: f.kernel, count: f.count - (before.get(f.kernel) ?? 0) })).filter((f) => f.count > 0);
}

/**
 * Times `options.steps` training steps (after `options.warmup`) of the model on
 * the active backend. `specLabel` is how the record names the spec; `say`
 * receives the human line naming the step engine and why.
 */
export async function benchTrainingSteps(
  spec: ResolvedSpec, ir: ModelIR, specLabel: string, choice: BackendChoice, options: StepBenchOptions, say: (text: string) => void,
): Promise<BenchRecord> {
  const batch = options.batch ?? spec.train.batchSize;
  const before = fallbackTotal(choice.hostFallbacks?.() ?? []);
  const engine = chooseStepEngine(options.step, choice.name, spec, ir);
  const precision = choicePrecision(engine);
  say(`training step: ${engine.engine} (${engine.reason}), precision ${precision}\n`);
  const timing = await timeTrainingSteps(spec, ir, {
    batch, steps: options.steps, warmup: options.warmup, seed: spec.train.seed, profile: options.profile, engine,
  });
  const fallbacks = choice.hostFallbacks ? fallbacksSince(before, choice.hostFallbacks()) : undefined;
  const flops = modelFlops(ir);
  return {
    spec: specLabel,
    backend: choice.name,
    training_step: engine.engine,
    precision,
    ...(choice.adapter ? { adapter: formatAdapter(choice.adapter) } : {}),
    batch,
    steps: options.steps,
    img_per_s: round(timing.imagesPerSecond, 3),
    ms_per_step: round(timing.msPerStep, 1),
    gflops_per_s: round((flops.trainPerImage * timing.imagesPerSecond) / 1e9, 1),
    // maxRSS is in KB; the high-water mark of this process, so one model per process reads its own.
    peak_rss_mb: round(process.resourceUsage().maxRSS / 1024, 1),
    ...(fallbacks ? { cpu_fallbacks: fallbacks.reduce((n, f) => n + f.count, 0), ...(fallbacks.length > 0 ? { cpu_fallback_kernels: fallbacks } : {}) } : {}),
    ...(timing.kernels ? { kernels: timing.kernels } : {}),
  };
}
