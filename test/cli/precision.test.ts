/**
 * `--precision` and train.precision end to end: a bf16 run records its precision (summary.json,
 * resolved-spec.json, the flattened spec.ibspec), its float32 checkpoints serve `ibc eval` and a
 * fresh fp32 engine, a resume keeps the run's precision, fp32 hashes as no key at all, and bf16
 * is refused, before anything is written, where it cannot run: another backend (IB6440) or a CPU
 * without native bf16 kernels (IB6441, shown here with oneDNN's own ISA limit).
 */
import { describe, it, expect, beforeAll } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ibc } from '../fixtures/cli-run.js';
import { HAVE_NATIVE, nativeAddonForTests } from '../fixtures/native.js';
import { loadSpec } from '../../src/compiler/spec/load-spec.js';
import { specHash } from '../../src/compiler/spec/serialize.js';
import { nodeFileSystem } from '../../src/host/file-system.js';

const ROOT = resolve(__dirname, '../..');
const TINY = join(ROOT, 'specs/test/tiny-aib-qt.ibspec');
const FAST = ['--epochs', '1', '--limit-train', '64', '--limit-test', '32', '--attention', '0'];
const bf16Here = HAVE_NATIVE && nativeAddonForTests()?.info().bf16 === true;

let work: string;
beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'ibc-precision-cli-'));
});

function json(path: string): Record<string, unknown> {
  return JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
}

describe('train.precision and --precision', () => {
  it('fp32 resolves to no key: the spec hash of an fp32 run is what it was before the key existed; bf16 changes it', () => {
    const hashWith = (overrides: string[]): string => {
      const loaded = loadSpec(TINY, nodeFileSystem, { overrides });
      if (!loaded.value) throw new Error('the tiny spec did not load');
      return specHash(loaded.value);
    };
    const plain = hashWith([]);
    expect(hashWith(['train.precision=fp32'])).toBe(plain);
    expect(hashWith(['train.precision=bf16'])).not.toBe(plain);
  });

  it.skipIf(!bf16Here)('a bf16 run records its precision, its checkpoints evaluate in fp32, and a resume keeps its precision', async () => {
    const out = join(work, 'bf16-run');
    const r = await ibc(work, 'train', TINY, '--out', out, '--backend', 'ibc-native', '--precision', 'bf16', ...FAST);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/training step: compiled \(.*\), precision bf16/);
    expect(json(join(out, 'summary.json'))['precision']).toBe('bf16');
    // The run's wall time by phase (training/phases.ts), what --profile prints.
    expect(Object.keys(json(join(out, 'summary.json'))['phases'] as Record<string, number>)).toEqual(
      expect.arrayContaining(['startup', 'data', 'batches', 'steps', 'training', 'evaluation', 'checkpoints', 'figures']),
    );
    expect((json(join(out, 'resolved-spec.json'))['train'] as Record<string, unknown>)['precision']).toBe('bf16');
    expect(readFileSync(join(out, 'spec.ibspec'), 'utf8')).toMatch(/^\s*precision bf16$/m);
    // The checkpoint is float32 weights: ibc eval (the TF.js model, float32) reads it as it reads any.
    const evaluated = await ibc(work, 'eval', out, '--backend', 'cpu');
    expect(evaluated.code, evaluated.stderr).toBe(0);
    // The run's own spec resumes it; asking for fp32 is another spec (hash), named in the refusal.
    const other = await ibc(work, 'train', join(out, 'spec.ibspec'), '--resume', out, '--epochs', '2', '--precision', 'fp32');
    expect(other.code).toBe(1);
    expect(other.stderr).toContain('IB6312');
    expect(other.stderr).toMatch(/train\.precision "bf16" -> \(absent\)/);
  });

  it('bf16 on another backend is refused before anything is written (IB6440)', async () => {
    const out = join(work, 'cpu-bf16');
    const r = await ibc(work, 'train', TINY, '--out', out, '--backend', 'cpu', '--precision', 'bf16', ...FAST);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('IB6440');
    expect(r.stderr).toMatch(/the backend is cpu/);
    expect(existsSync(out)).toBe(false);
  });

  it.skipIf(!HAVE_NATIVE)('bf16 where oneDNN has no bf16 kernels is refused before anything is written (IB6441)', () => {
    const out = join(work, 'no-bf16');
    const run = spawnSync(process.execPath, [join(ROOT, 'bin/ibc.js'), 'train', TINY, '--out', out, '--backend', 'ibc-native', '--precision', 'bf16', ...FAST], {
      cwd: work, encoding: 'utf8', env: { ...process.env, ONEDNN_MAX_CPU_ISA: 'AVX512_CORE' },
    });
    expect(run.status, run.stderr).toBe(1);
    expect(run.stderr).toContain('IB6441');
    expect(run.stderr).toMatch(/limited by ONEDNN_MAX_CPU_ISA=AVX512_CORE/);
    expect(run.stderr).not.toMatch(/\n\s+at .+:\d+:\d+/);
    expect(existsSync(out)).toBe(false);
  });

  it('--precision takes fp32 or bf16 only (usage error, exit 2)', async () => {
    const r = await ibc(work, 'train', TINY, '--precision', 'fp16');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--precision must be one of fp32, bf16, got 'fp16'/);
  });
});
