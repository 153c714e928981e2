/**
 * Sweep members get distinct names and run folders by construction (issue 24,
 * case 6): values that differ only in '/' vs '_', lists, blocks and 32-bit
 * seeds; and a collision check refuses, before anything runs, what would
 * still share a folder. Also the Slurm values and control characters ibc
 * check refuses (case 1).
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { memoryFileSystem } from '../../../src/host/file-system.js';
import { loadSpec, loadSweep } from '../../../src/compiler/spec/load-spec.js';
import { memberCollisions, memberStem, valueLabel } from '../../../src/compiler/spec/sweep.js';
import { BASE_SPEC, brief } from '../../fixtures/spec-text.js';

const load = (sweep: string, extraTrain = '') => loadSweep('/s/main.ibspec', memoryFileSystem({ '/s/main.ibspec': `${BASE_SPEC.replace('train {\n', `train {\n${extraTrain}`)}sweep {\n${sweep}}\n` }));

describe('member names and folders', () => {
  it("paths differing only in '/' vs '_' are two members with two folders", () => {
    const r = load('  data.train.images in ["/d/a_b.gz", "/d/a/b.gz"]\n');
    expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    const names = r.value!.map((m) => m.name);
    expect(names).toEqual(['small--images=%2Fd%2Fa_b.gz', 'small--images=%2Fd%2Fa%2Fb.gz']);
    expect(new Set(names.map(memberStem)).size).toBe(2);
  });

  it('labels are injective over values, and stems over names (property)', () => {
    const value = fc.oneof(fc.double({ noNaN: true }), fc.integer(), fc.string(), fc.array(fc.oneof(fc.string(), fc.integer()), { maxLength: 3 }));
    fc.assert(
      fc.property(value, value, (a, b) => {
        if (JSON.stringify(a) === JSON.stringify(b) || (Object.is(a, -0) && b === 0) || (Object.is(b, -0) && a === 0)) return;
        expect(valueLabel(a)).not.toBe(valueLabel(b));
      }),
      { numRuns: 300, seed: 24 },
    );
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), fc.string({ maxLength: 300 }), (a, b) => {
        if (a === b) return;
        expect(memberStem(a)).not.toBe(memberStem(b));
        expect(memberStem(a)).toMatch(/^[A-Za-z0-9._=+,%~-]+$/);
        expect(memberStem(a)).not.toMatch(/^\./);
        expect(memberStem(a).length).toBeLessThanOrEqual(200);
      }),
      { numRuns: 300, seed: 24 },
    );
  });

  it('names equal up to letter case collide (one folder on a case-insensitive file system); so would two blocks without a hash', () => {
    expect(memberCollisions(['s--x=A', 's--x=a', 's--x=b'])).toEqual([['s--x=A', 's--x=a']]);
    expect(valueLabel({ kind: 'a' })).not.toBe(valueLabel({ kind: 'b' }));
    const r = load('  data.train.images in ["X.gz", "x.gz"]\n');
    expect(r.value).toBeUndefined();
    expect(r.diagnostics.map(brief)).toContain("IB3454 34:3-34:40 sweep members 'small--images=X.gz' and 'small--images=x.gz' would share the run folder 'small--images=x.gz'; give their values distinct labels (nothing was run)");
  });

  it('seeds are 32-bit: a seed or a seeds range past 2^32 - 1 is refused (it would repeat a smaller seed)', () => {
    const big = load('  seeds 3\n', '  seed 4294967294\n');
    expect(big.diagnostics.map(brief)).toContainEqual(expect.stringMatching(/^IB3455 .* seeds 3 from train\.seed 4294967294 goes past 4294967295/));
    const huge = loadSpec('/s/main.ibspec', memoryFileSystem({ '/s/main.ibspec': BASE_SPEC.replace('train {\n', 'train {\n  seed 9007199254740993\n') }));
    expect(huge.diagnostics.some((d) => d.severity === 'error' && d.message.includes('4294967295'))).toBe(true);
  });
});

describe('strings that can only be wrong (ibc check)', () => {
  it('a control character in any string is IB3451, located at the string', () => {
    for (const [where, text] of [
      ['name', BASE_SPEC.replace('name small', 'name "small\\nrm"')],
      ['data path', BASE_SPEC.replace('"train-images.gz"', '"train\\timages.gz"')],
      ['class name', BASE_SPEC.replace('classes 10', 'classes 10\n  class_names ["a\\rb", "b", "c", "d", "e", "f", "g", "h", "i", "j"]')],
    ] as const) {
      const r = loadSpec('/s/main.ibspec', memoryFileSystem({ '/s/main.ibspec': text }));
      const found = r.diagnostics.filter((d) => d.code === 'IB3451');
      expect(found.length, where).toBeGreaterThanOrEqual(1);
      expect(found[0]!.span, where).toBeDefined();
    }
  });
});
