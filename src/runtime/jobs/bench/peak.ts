/**
 * The machine's measured peak, so that `ibc bench` can say how close a model
 * runs to the hardware: a short calibration with ibc's own native kernels (a
 * 2048 x 2048 x 2048 matrix product and a 3x3 convolution, 512 -> 512 channels
 * on 8x8 maps at batch 32, a shape that runs as direct convolution), best of a
 * few runs, in each precision this machine trains in. The peak of a precision
 * is the faster of the two.
 *
 * Cached per machine (CPU model, oneDNN version and ISA, threads) in
 * `$XDG_CACHE_HOME/ibc/peak-gflops.json` (default `~/.cache/ibc/`): the one
 * file ibc writes outside the folders a user names, documented in the README
 * and in `ibc bench --help`. `--recalibrate` measures again (do it on an idle
 * machine: a calibration taken under load reads low and makes every model look
 * closer to the peak than it is). With neither XDG_CACHE_HOME nor HOME set,
 * nothing is cached.
 */
import { mkdirSync } from 'node:fs';
import type { BenchRecord } from './steps.js';
import { cpus, homedir, loadavg } from 'node:os';
import { join } from 'node:path';
import { nodeFileSystem } from '../../../host/file-system.js';
import { writeTextAtomic } from '../../../host/atomic-write.js';
import { loadAddon, type NativeAddon } from '../../engine/backends/native/addon.js';
import { bf16Obstacle, precisionCode, type Precision } from '../../engine/precision.js';

export interface PrecisionPeak {
  /** GFLOP/s of the 2048^3 matrix product. */
  readonly gemm: number;
  /** GFLOP/s of the 3x3 convolution (direct). */
  readonly conv3x3: number;
}

export interface MachinePeak {
  /** What the figures are for: CPU model, oneDNN version and ISA, threads. */
  readonly machine: string;
  readonly fp32: PrecisionPeak;
  /** Absent where this machine has no native bf16 kernels. */
  readonly bf16?: PrecisionPeak;
  /** ISO time of the calibration. */
  readonly measuredAt: string;
  /** The 1-minute load average when it ran (a busy machine reads low). */
  readonly loadAverage: number;
}

/** The peak of one precision: the faster of the matrix product and the convolution. */
export function peakOf(peak: PrecisionPeak): number {
  return Math.max(peak.gemm, peak.conv3x3);
}

/** The machine key of the cache: the figures are only valid for the same CPU, oneDNN build, ISA and thread count. */
export function machineKey(kernels: NativeAddon): string {
  const info = kernels.info();
  const model = cpus()[0]?.model.trim() ?? 'unknown CPU';
  return `${model} | oneDNN ${info.dnnl} ${info.isa ?? 'unknown'} | ${info.threads} threads`;
}

/** Where the cache lives, or undefined when there is no cache folder (neither XDG_CACHE_HOME nor HOME). */
export function peakCachePath(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const xdg = env['XDG_CACHE_HOME'];
  if (xdg !== undefined && xdg !== '') return join(xdg, 'ibc', 'peak-gflops.json');
  const home = env['HOME'] ?? homedir();
  return home ? join(home, '.cache', 'ibc', 'peak-gflops.json') : undefined;
}

const CACHE_VERSION = 1;

function isPeak(v: unknown): v is PrecisionPeak {
  const p = v as Partial<PrecisionPeak> | null;
  return p !== null && typeof p === 'object' && typeof p.gemm === 'number' && p.gemm > 0 && typeof p.conv3x3 === 'number' && p.conv3x3 > 0;
}

function isMachinePeak(v: unknown): v is MachinePeak {
  const p = v as Partial<MachinePeak> | null;
  return p !== null && typeof p === 'object' && typeof p.machine === 'string' && isPeak(p.fp32) && (p.bf16 === undefined || isPeak(p.bf16)) &&
    typeof p.measuredAt === 'string' && typeof p.loadAverage === 'number';
}

/** The cache's entries by machine key; an absent, unreadable or foreign file is an empty cache (it is only a cache). */
function readCache(path: string): Record<string, MachinePeak> {
  const bytes = nodeFileSystem.readFile(path);
  if (!bytes) return {};
  try {
    const parsed = JSON.parse(new TextDecoder().decode(bytes)) as { version?: unknown; machines?: unknown };
    if (parsed.version !== CACHE_VERSION || parsed.machines === null || typeof parsed.machines !== 'object') return {};
    return Object.fromEntries(Object.entries(parsed.machines as Record<string, unknown>).filter((e): e is [string, MachinePeak] => isMachinePeak(e[1])));
  } catch {
    return {};
  }
}

/** Milliseconds of the best of `runs` calls of `f` after one untimed call. */
function bestOf(runs: number, f: () => void): number {
  f();
  let best = Infinity;
  for (let i = 0; i < runs; i++) {
    const start = process.hrtime.bigint();
    f();
    best = Math.min(best, Number(process.hrtime.bigint() - start) / 1e6);
  }
  return best;
}

function filled(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = (((i * 2654435761 + seed) >>> 0) % 2001) / 1000 - 1;
  return out;
}

const GEMM = 2048;
// [n, inH, inW, inC, outH, outW, outC, kH, kW, strides, dilations, pads]: native/src/common.h ConvGeometry.
const CONV = Int32Array.from([32, 8, 8, 512, 8, 8, 512, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1]);
const RUNS = 3;

/** Measures one precision's peak with the native kernels (about a second on an idle 2-core machine). */
export function calibrate(kernels: NativeAddon, precision: Precision): PrecisionPeak {
  const code = precisionCode(precision);
  const a = filled(GEMM * GEMM, 1), b = filled(GEMM * GEMM, 2), c = new Float32Array(GEMM * GEMM);
  const dims = Int32Array.from([1, 1, GEMM, GEMM, GEMM, 0, 0]);
  const check = (status: number, what: string): void => {
    if (status !== 0) throw new Error(`calibration: the native ${what} kernel failed with status ${status}`);
  };
  const gemmMs = bestOf(RUNS, () => check(kernels.matmul(a, b, null, c, dims, 0, 0, code), 'matmul'));
  const [n, h, w, ci, , , co, kh, kw] = CONV;
  const x = filled(n! * h! * w! * ci!, 3), k = filled(kh! * kw! * ci! * co!, 4), y = new Float32Array(n! * h! * w! * co!);
  const convMs = bestOf(RUNS, () => check(kernels.conv2d(x, k, null, y, CONV, 0, 0, code), 'conv2d'));
  return {
    gemm: (2 * GEMM ** 3) / (gemmMs / 1000) / 1e9,
    conv3x3: (2 * n! * h! * w! * co! * ci! * kh! * kw!) / (convMs / 1000) / 1e9,
  };
}

export interface PeakLookup {
  readonly peak: MachinePeak;
  /** Whether it came from the cache (else it was measured now). */
  readonly cached: boolean;
  /** Where it is cached; undefined: not cached (no cache folder, or the write failed: `cacheProblem`). */
  readonly cachePath?: string;
  readonly cacheProblem?: string;
}

/**
 * The machine's peak: from the cache, or measured now (every precision it trains in) and cached.
 * `recalibrate` ignores the cache. A cache that cannot be written is reported, never fatal.
 */
export function machinePeak(kernels: NativeAddon, options: { readonly recalibrate?: boolean; readonly env?: NodeJS.ProcessEnv } = {}): PeakLookup {
  const key = machineKey(kernels);
  const path = peakCachePath(options.env);
  const cache = path ? readCache(path) : {};
  const known = cache[key];
  if (known && !options.recalibrate && (known.bf16 !== undefined || bf16Obstacle(kernels.info(), options.env) !== undefined)) {
    return { peak: known, cached: true, ...(path ? { cachePath: path } : {}) };
  }
  const fp32 = calibrate(kernels, 'fp32');
  const bf16 = bf16Obstacle(kernels.info(), options.env) === undefined ? calibrate(kernels, 'bf16') : undefined;
  const peak: MachinePeak = { machine: key, fp32, ...(bf16 ? { bf16 } : {}), measuredAt: new Date().toISOString(), loadAverage: Number((loadavg()[0] ?? 0).toFixed(2)) };
  if (!path) return { peak, cached: false };
  try {
    mkdirSync(join(path, '..'), { recursive: true });
    writeTextAtomic(path, `${JSON.stringify({ version: CACHE_VERSION, machines: { ...cache, [key]: peak } }, null, 2)}\n`);
    return { peak, cached: false, cachePath: path };
  } catch (error) {
    return { peak, cached: false, cacheProblem: `${path} could not be written (${error instanceof Error ? error.message : String(error)})` };
  }
}

export interface PeakedRecord {
  readonly record: BenchRecord;
  readonly lookup: PeakLookup;
  /** The peak of the record's precision, GFLOP/s. */
  readonly peak: number;
}

/** The record with this machine's peak for its precision beside its GFLOP/s; undefined without native kernels or a peak for that precision. */
export function withMachinePeak(record: BenchRecord, options: { readonly recalibrate?: boolean } = {}): PeakedRecord | undefined {
  const loaded = loadAddon();
  if (!loaded.ok) return undefined;
  const lookup = machinePeak(loaded.addon, options);
  const precisionPeak = lookup.peak[record.precision];
  if (!precisionPeak) return undefined;
  const peak = peakOf(precisionPeak);
  const round = (x: number, digits: number): number => Number(x.toFixed(digits));
  return { record: { ...record, peak_gflops_per_s: round(peak, 1), of_peak: round(record.gflops_per_s / peak, 3) }, lookup, peak };
}

/** The human line: GFLOP/s as a share of the peak, what the peak is and where it came from. */
export function describePeak({ record, lookup, peak }: PeakedRecord): string {
  const p = lookup.peak[record.precision];
  const busy = lookup.peak.loadAverage > 0.5 * cpus().length ? ' (a busy machine: the peak reads low)' : '';
  const where = lookup.cached
    ? `cached in ${lookup.cachePath ?? '?'}`
    : lookup.cachePath ? `measured now, cached in ${lookup.cachePath}` : `measured now, not cached: ${lookup.cacheProblem ?? 'no cache folder (XDG_CACHE_HOME, HOME)'}`;
  return (
    `${record.gflops_per_s} GFLOP/s is ${((100 * record.gflops_per_s) / peak).toFixed(0)}% of this machine's measured ${record.precision} peak, ${peak.toFixed(0)} GFLOP/s ` +
    `(2048 GEMM ${p ? p.gemm.toFixed(0) : '?'}, 3x3 conv ${p ? p.conv3x3.toFixed(0) : '?'}; ${where}, ${lookup.peak.measuredAt}, load ${lookup.peak.loadAverage}${busy}; ` +
    '--recalibrate on an idle machine to measure again). Model FLOPs count every convolution as direct, so Winograd layers can take a model past 100%.\n'
  );
}
