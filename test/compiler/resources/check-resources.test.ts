/**
 * Sizes that parse and type-check but cannot be built or trained here are
 * refused by `ibc check` (located, with the numbers), and `ibc train` stops
 * before it allocates anything (issue 16).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { compileSpec } from '../../../src/compiler/compile.js';
import { memoryFileSystem } from '../../../src/host/file-system.js';
import { estimateResources } from '../../../src/compiler/resources/estimate.js';
import { checkResources, MAX_TENSOR_ELEMENTS } from '../../../src/compiler/resources/check-resources.js';
import { ibc, isCleanOutcome, head } from '../../fixtures/cli-run.js';

const TINY_PATH = resolve(__dirname, '../../../specs/test/tiny-aib-qt.ibspec');
const TINY = readFileSync(TINY_PATH, 'utf8');
const GIB = 1024 ** 3;

let work: string;
beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'ibc-resources-'));
});

function variant(name: string, from: string, to: string): string {
  expect(TINY).toContain(from);
  const path = join(work, `${name}.ibspec`);
  writeFileSync(path, TINY.replace(from, to));
  return path;
}

/** The 1-based line of `needle` in the variant's text. */
function lineOf(path: string, needle: string): number {
  return readFileSync(path, 'utf8').split('\n').findIndex((l) => l.includes(needle)) + 1;
}

const CASES: readonly { name: string; from: string; to: string; code: string; at: string; says: RegExp }[] = [
  { name: 'conv-1e9', from: 'conv 8 kernel=3', to: 'conv 1000000000 kernel=3', code: 'IB4101', at: 'conv 1000000000', says: /would hold 4,608,000,000,000 values/ },
  { name: 'conv-1e20', from: 'conv 8 kernel=3', to: 'conv 99999999999999999999 kernel=3', code: 'IB4101', at: 'conv 9999', says: /e\+\d\d values/ },
  { name: 'latent-1e9', from: 'latent 16', to: 'latent 1000000000', code: 'IB4101', at: 'attention at=', says: /parameter 'encoder\/dense\/kernel' would hold 288,000,000,000 values/ },
  { name: 'anchors-1e8', from: 'anchors 8', to: 'anchors 100000000', code: 'IB4101', at: 'quantize {', says: /attention\/quantize/ },
  { name: 'eval-samples', from: 'eval=0', to: 'eval=2147483648', code: 'IB4101', at: 'attention at=', says: /2,147,483,648 eval samples/ },
  { name: 'train-samples', from: 'samples train=1', to: 'samples train=1000000', code: 'IB4101', at: 'attention at=', says: /1,000,000 train samples/ },
  { name: 'padding', from: 'conv 8 kernel=3', to: 'conv 8 kernel=3 padding=1000000', code: 'IB4101', at: 'padding=1000000', says: /one tensor holds at most 2,147,483,647/ },
  { name: 'nested-repeat', from: '      conv 8 kernel=3', to: '      conv 8 kernel=3\n      repeat 1000 { repeat 1000 { relu } }', code: 'IB3018', at: 'repeat 1000', says: /more than 10,000 layers/ },
];

describe('ibc check refuses what cannot be built, located and with the numbers', () => {
  for (const c of CASES) {
    it(`${c.name}: ${c.to.trim()}`, async () => {
      const path = variant(c.name, c.from, c.to);
      const r = await ibc(work, 'check', path);
      expect(isCleanOutcome(r), head(r)).toBe(true);
      expect(r.code, head(r)).toBe(1);
      const first = r.stderr.split('\n')[0]!;
      expect(first).toContain(`${c.code}:`);
      expect(first).toMatch(new RegExp(`${c.name}\\.ibspec:${lineOf(path, c.at)}:\\d+: error`));
      expect(r.stderr).toMatch(c.says);
    });
  }

  it('ibc train stops at the same error and creates no run directory', async () => {
    const path = variant('train-refused', 'conv 8 kernel=3', 'conv 1000000000 kernel=3');
    const out = join(work, 'refused-run');
    const r = await ibc(work, 'train', path, '--out', out, '--backend', 'cpu');
    expect(isCleanOutcome(r), head(r)).toBe(true);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('IB4101');
    expect(existsSync(out)).toBe(false);
  });
});

describe('the estimate and the machine', () => {
  const compile = (text: string) => {
    const r = compileSpec('/s.ibspec', memoryFileSystem({ '/s.ibspec': text }), { machine: { memoryBytes: 1e18 } });
    expect(r.value, JSON.stringify(r.diagnostics)).toBeDefined();
    return r.value!;
  };

  it('counts parameters like the builder and activations per image with samples folded in', () => {
    const { spec, ir } = compile(TINY);
    const e = estimateResources(ir);
    const params = ir.params.reduce((n, p) => n + p.shape.reduce((a, d) => a * d, 1), 0);
    expect(e.params).toBe(params);
    expect(e.train.perExample).toBeGreaterThan(12 * 12 * 8);
    expect(checkResources(spec, ir, { memoryBytes: 64 * GIB, enforceMemory: true })).toEqual([]);
  });

  it('more memory than the machine has: a warning for check, an error for train, both with the numbers', () => {
    const { spec, ir } = compile(TINY.replace('batch 32', 'batch 4096'));
    const small = { memoryBytes: 64 * 1024 * 1024 };
    const warned = checkResources(spec, ir, small);
    expect(warned.map((d) => d.code)).toEqual(['IB4104']);
    expect(warned[0]!.message).toMatch(/training needs about [\d.]+ (MiB|GiB) of memory .* batch 4096: .* this machine has 64\.0 MiB/);
    const refused = checkResources(spec, ir, { ...small, enforceMemory: true });
    expect(refused.map((d) => d.code)).toEqual(['IB4102']);
    expect(refused[0]!.span).toBeDefined();
  });

  it('one tensor is capped at 2^31 - 1 values', () => {
    expect(MAX_TENSOR_ELEMENTS).toBe(2147483647);
  });
});
