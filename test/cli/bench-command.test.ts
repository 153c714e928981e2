import { describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { benchCommand } from '../../src/cli/commands/bench.js';
import { modelFlops } from '../../src/compiler/resources/training-flops.js';
import { compileSpec } from '../../src/compiler/compile.js';
import { nodeFileSystem } from '../../src/host/file-system.js';
import type { CliIO } from '../../src/cli/command.js';
import { HAVE_NATIVE } from '../fixtures/native.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

function capture(): { io: CliIO; out: string[]; err: string[] } {
  const out: string[] = [], err: string[] = [];
  return { io: { stdout: (t) => out.push(t), stderr: (t) => err.push(t), isTTY: false, cwd: ROOT }, out, err };
}

describe('ibc bench', () => {
  it('counts 7.575 GFLOP forward per image for the CIFAR VGG-16-bn + IB model (as PyTorch hooks do)', () => {
    const compiled = compileSpec(`${ROOT}specs/cifar10-vgg16-aib.ibspec`, nodeFileSystem).value!;
    const flops = modelFlops(compiled.ir);
    expect(flops.forwardPerImage / 1e9).toBeCloseTo(7.5745, 3);
    expect(flops.trainPerImage).toBe(3 * flops.forwardPerImage);
  });

  it('rejects bad options with exit status 2', async () => {
    const spec = 'specs/test/tiny-aib-qt.ibspec';
    for (const args of [
      ['--steps', 'x', 'specs/fashion-small-aib.ibspec'], [], ['--suite', 'other'], ['a.ibspec', 'b.ibspec'],
      [spec, '--target', 'tfjs'], [spec, '--target', 'onnx', '--steps', '2'], [spec, '--target', 'onnx', '--profile'],
      [spec, '--iterations', '3'], [spec, '--target', 'onnx', '--iterations', '0'], ['--suite', 'default', '--target', 'onnx'],
      [spec, '--limit-train', '64'], ['--suite', 'default', '--limit-train', '64'], ['--suite', 'e2e', '--steps', '2'],
      ['--suite', 'e2e', '--batch', '8'], ['--suite', 'e2e', '--limit-train', '0'], ['--suite', 'e2e', spec],
      [spec, '--epochs', '2'], [spec, '--data-workers', '2'], ['--data', 'photos', spec], ['--data', 'photos', '--suite', 'e2e'],
      ['--data', 'photos', '--steps', '3'], ['--suite', 'data', '--target', 'onnx'], ['--data', 'photos', '--epochs', '0'],
    ]) {
      const { io, err } = capture();
      expect(await benchCommand.run(args, io)).toBe(2);
      expect(err.join('')).toMatch(/^ibc bench: /);
    }
  });

  it('prints one JSON line with the throughput fields and the peak memory for a small spec', async () => {
    const { io, out } = capture();
    const status = await benchCommand.run(['specs/fashion-small-aib.ibspec', '--batch', '2', '--steps', '1', '--warmup', '0', '--backend', 'cpu', '--json'], io);
    expect(status).toBe(0);
    const record = JSON.parse(out.join('').trim()) as Record<string, unknown>;
    expect(Object.keys(record)).toEqual(['spec', 'backend', 'training_step', 'precision', 'batch', 'steps', 'img_per_s', 'ms_per_step', 'gflops_per_s', 'peak_rss_mb']);
    expect(record['spec']).toBe('specs/fashion-small-aib.ibspec');
    expect(record['backend']).toBe('cpu');
    expect(record['batch']).toBe(2);
    expect(record['img_per_s']).toBeGreaterThan(0);
    // This process's resident-memory high-water mark, in MB: at least the TF.js runtime it loaded.
    expect(typeof record['peak_rss_mb']).toBe('number');
    expect(record['peak_rss_mb']).toBeGreaterThan(10);
  });

  it('--target onnx prints one JSON line for onnxruntime and one per available TF.js backend', async () => {
    const { io, out, err } = capture();
    const status = await benchCommand.run(['specs/test/tiny-aib-qt.ibspec', '--target', 'onnx', '--batch', '3', '--iterations', '1', '--json'], io);
    expect(status, err.join('')).toBe(0);
    const records = out.join('').trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(records.map((r) => `${r['target']} ${r['backend']}`)).toEqual([
      'onnx onnxruntime-node (cpu)',
      ...(HAVE_NATIVE ? ['tfjs ibc-native'] : []),
      'tfjs cpu',
    ]);
    if (!HAVE_NATIVE) expect(err.join('')).toContain('TF.js ibc-native skipped: ');
    for (const record of records) {
      expect(Object.keys(record)).toEqual(['spec', 'target', 'backend', 'batch', 'iterations', 'img_per_s', 'ms_per_batch']);
      expect(record).toMatchObject({ spec: 'specs/test/tiny-aib-qt.ibspec', batch: 3, iterations: 1 });
      expect(record['img_per_s']).toBeGreaterThan(0);
      expect(record['ms_per_batch']).toBeGreaterThan(0);
    }
  });

  it('--target onnx leaves the JS cpu backend out, with the reason, for a model above 1 GFLOP per image', async () => {
    const { io, out, err } = capture();
    const status = await benchCommand.run(['specs/cifar10-vgg16-aib.ibspec', '--target', 'onnx', '--batch', '1', '--iterations', '1', '--json', '--backend', 'auto'], io);
    expect(status, err.join('')).toBe(0);
    const records = out.join('').trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(records.map((r) => r['backend'])).not.toContain('cpu');
    expect(err.join('')).toMatch(/TF\.js cpu skipped: the model takes 7\.57 GFLOP per image/);
  });
});
