/**
 * The machine's peak for `ibc bench`: where its cache lives, that a cached calibration is
 * reused for the same machine and measured again with --recalibrate, for another machine or
 * from a damaged file, and that a cache that cannot be written is reported, not fatal. The
 * kernels are stand-ins that do no arithmetic (the real calibration is a measurement, which
 * lives in `ibc bench`, not in tests).
 */
import { describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NativeAddon, NativeInfo } from '../../../../src/runtime/engine/backends/native/addon.js';
import { machinePeak, peakCachePath, peakOf } from '../../../../src/runtime/jobs/bench/peak.js';

/** Kernels that return at once and count their calls by precision. */
function standIn(info: Partial<NativeInfo> = {}): { kernels: NativeAddon; calls: Record<string, number> } {
  const calls: Record<string, number> = {};
  const count = (what: string, precision: number | undefined): number => {
    const key = `${what} ${precision ?? 0}`;
    calls[key] = (calls[key] ?? 0) + 1;
    return 0;
  };
  const kernels = {
    info: (): NativeInfo => ({ dnnl: '2.6.3', cpuRuntime: 'omp', threads: 2, isa: 'avx512_core_bf16', bf16: true, ...info }),
    matmul: (...args: unknown[]) => count('matmul', args[7] as number | undefined),
    conv2d: (...args: unknown[]) => count('conv2d', args[7] as number | undefined),
  } as unknown as NativeAddon;
  return { kernels, calls };
}

describe('the peak cache', () => {
  it('lives in $XDG_CACHE_HOME/ibc, else ~/.cache/ibc', () => {
    expect(peakCachePath({ XDG_CACHE_HOME: '/c' })).toBe('/c/ibc/peak-gflops.json');
    expect(peakCachePath({ HOME: '/home/u' })).toBe('/home/u/.cache/ibc/peak-gflops.json');
    expect(peakCachePath({ XDG_CACHE_HOME: '', HOME: '/home/u' })).toBe('/home/u/.cache/ibc/peak-gflops.json');
  });

  it('calibrates each precision this machine trains in once, then reads the cache; --recalibrate measures again', () => {
    const env = { XDG_CACHE_HOME: mkdtempSync(join(tmpdir(), 'ibc-peak-')) };
    const { kernels, calls } = standIn();
    const first = machinePeak(kernels, { env });
    expect(first.cached).toBe(false);
    expect(first.cachePath).toBe(join(env.XDG_CACHE_HOME, 'ibc', 'peak-gflops.json'));
    expect(calls).toEqual({ 'matmul 0': 4, 'conv2d 0': 4, 'matmul 1': 4, 'conv2d 1': 4 }); // one warm-up and 3 timed runs each
    expect(first.peak.bf16).toBeDefined();
    expect(peakOf(first.peak.fp32)).toBe(Math.max(first.peak.fp32.gemm, first.peak.fp32.conv3x3));
    const again = machinePeak(kernels, { env });
    expect(again.cached).toBe(true);
    expect(again.peak).toEqual(first.peak);
    expect(calls['matmul 0']).toBe(4);
    expect(machinePeak(kernels, { env, recalibrate: true }).cached).toBe(false);
    expect(calls['matmul 0']).toBe(8);
    // Another machine (here: another thread count) has its own entry; the first one stays.
    const other = standIn({ threads: 16 });
    expect(machinePeak(other.kernels, { env }).cached).toBe(false);
    const file = JSON.parse(readFileSync(first.cachePath!, 'utf8')) as { machines: Record<string, unknown> };
    expect(Object.keys(file.machines)).toHaveLength(2);
  });

  it('measures no bf16 peak where bf16 cannot run, and a damaged cache file is measured over', () => {
    const env = { XDG_CACHE_HOME: mkdtempSync(join(tmpdir(), 'ibc-peak-')) };
    mkdirSync(join(env.XDG_CACHE_HOME, 'ibc'));
    writeFileSync(join(env.XDG_CACHE_HOME, 'ibc', 'peak-gflops.json'), '{"version": 1, "machines": ');
    const { kernels, calls } = standIn({ isa: 'avx2', bf16: false });
    const lookup = machinePeak(kernels, { env });
    expect(lookup.cached).toBe(false);
    expect(lookup.peak.bf16).toBeUndefined();
    expect(calls['matmul 1']).toBeUndefined();
    expect(machinePeak(kernels, { env }).cached).toBe(true);
  });

  it('a cache folder that cannot be made is reported, and the measurement still returned', () => {
    // XDG_CACHE_HOME naming a file: no folder can be made under it, whoever runs the test.
    const root = join(mkdtempSync(join(tmpdir(), 'ibc-peak-')), 'a-file');
    writeFileSync(root, 'not a folder');
    const lookup = machinePeak(standIn().kernels, { env: { XDG_CACHE_HOME: root } });
    expect(lookup.cachePath).toBeUndefined();
    expect(lookup.cacheProblem).toMatch(/could not be written/);
  });
});
