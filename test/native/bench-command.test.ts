import { describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { benchCommand } from '../../src/cli/commands/bench.js';
import { modelFlops } from '../../src/runtime/bench/training-flops.js';
import { compileSpec } from '../../src/compiler/compile.js';
import { nodeFileSystem } from '../../src/host/file-system.js';
import type { CliIO } from '../../src/cli/command.js';

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
    for (const args of [['--steps', 'x', 'specs/fashion-small-aib.ibspec'], [], ['--suite', 'other'], ['a.ibspec', 'b.ibspec']]) {
      const { io, err } = capture();
      expect(await benchCommand.run(args, io)).toBe(2);
      expect(err.join('')).toMatch(/^ibc bench: /);
    }
  });

  it('prints one JSON line with the throughput fields for a small spec', async () => {
    const { io, out } = capture();
    const status = await benchCommand.run(['specs/fashion-small-aib.ibspec', '--batch', '2', '--steps', '1', '--warmup', '0', '--backend', 'cpu', '--json'], io);
    expect(status).toBe(0);
    const record = JSON.parse(out.join('').trim()) as Record<string, unknown>;
    expect(Object.keys(record)).toEqual(['spec', 'backend', 'batch', 'steps', 'img_per_s', 'ms_per_step', 'gflops_per_s']);
    expect(record['spec']).toBe('specs/fashion-small-aib.ibspec');
    expect(record['backend']).toBe('cpu');
    expect(record['batch']).toBe(2);
    expect(record['img_per_s']).toBeGreaterThan(0);
  });
});
