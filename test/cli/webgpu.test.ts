/**
 * `ibc train`, `eval`, `attention` and `bench` end to end with --backend webgpu,
 * on a real WebGPU implementation (SwiftShader through Dawn unless
 * IBC_WEBGPU_HARDWARE=1; see test/fixtures/webgpu.ts): the adapter is printed
 * and recorded in summary.json, the bench line names it and counts no kernel
 * run on the CPU, and each command frees its device.
 */
import { describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { main } from '../../src/cli/main.js';
import type { CliIO } from '../../src/cli/command.js';
import { startTestWebgpu } from '../fixtures/webgpu.js';

const TINY = resolve(__dirname, '../../specs/test/tiny-aib-qt.ibspec');

// Starts (and frees) WebGPU once to learn whether it can run here; the commands start their own.
const gpu = await startTestWebgpu();
if (gpu.ok) gpu.choice.release?.();

async function ibc(cwd: string, ...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const io: CliIO = { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t), isTTY: false, cwd };
  const code = await main(argv, io);
  return { code, stdout, stderr };
}

describe.skipIf(!gpu.ok)('the CLI on --backend webgpu', () => {
  it('train, eval, attention and bench run on the WebGPU adapter and say which', { timeout: 600_000 }, async () => {
    const work = mkdtempSync(join(tmpdir(), 'ibc-webgpu-cli-'));
    const run = join(work, 'run');
    const trained = await ibc(work, 'train', TINY, '--backend', 'webgpu', '--epochs', '1', '--limit-train', '36', '--limit-test', '16', '--attention', '0', '--out', run);
    expect(trained.code, trained.stderr).toBe(0);
    expect(trained.stderr).toMatch(/backend: webgpu \(requested\) on \S.*\(/);
    expect(trained.stdout).toMatch(/on webgpu \[.+, .+\]/);
    const summary = JSON.parse(readFileSync(join(run, 'summary.json'), 'utf8')) as { backend: string; adapter?: { name: string; vendor: string; software: boolean } };
    expect(summary.backend).toBe('webgpu');
    expect(summary.adapter?.name).toBeTruthy();
    expect(summary.adapter?.vendor).toBeTruthy();
    expect(typeof summary.adapter?.software).toBe('boolean');
    expect(existsSync(join(run, 'checkpoints', 'last.ibck'))).toBe(true);
    expect(tf.findBackend('webgpu')).toBeNull(); // the command freed its device

    const evaluated = await ibc(work, 'eval', run, '--backend', 'webgpu', '--limit-test', '16');
    expect(evaluated.code, evaluated.stderr).toBe(0);
    expect(evaluated.stdout).toMatch(/test top1 \d+\.\d\d%, top5 \d+\.\d\d% on 16 images/);

    const maps = await ibc(work, 'attention', run, '--backend', 'webgpu', '--images', '2');
    expect(maps.code, maps.stderr).toBe(0);
    expect(existsSync(join(run, 'attention', 'grid.png'))).toBe(true);

    const bench = await ibc(work, 'bench', TINY, '--backend', 'webgpu', '--batch', '4', '--steps', '1', '--warmup', '1', '--json');
    expect(bench.code, bench.stderr).toBe(0);
    const line = JSON.parse(bench.stdout.trim()) as { backend: string; adapter?: string; img_per_s: number; cpu_fallbacks?: number };
    expect(line.backend).toBe('webgpu');
    expect(line.adapter).toContain(summary.adapter!.name);
    expect(line.img_per_s).toBeGreaterThan(0);
    expect(line.cpu_fallbacks).toBe(0);
  });
});
