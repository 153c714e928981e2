/**
 * specs/reference/*.ibspec: the paper specs as the released code computes them. Each must differ
 * from its textbook spec only in the KL form and (VGG) the learning-rate schedule: in the resolved
 * spec and in the IR.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { compileSpec } from '../../../src/compiler/compile.js';
import { nodeFileSystem } from '../../../src/host/file-system.js';

const SPECS = fileURLToPath(new URL('../../../specs/', import.meta.url));
/** Source positions differ between two files by nature; they are not settings. */
const IGNORED = new Set(['origin', 'atOrigin', 'span', 'spans']);

/** The paths ("model.attention.klForm") where two JSON-like values differ. */
function differences(a: unknown, b: unknown, path = ''): string[] {
  if (Object.is(a, b)) return [];
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null || Array.isArray(a) !== Array.isArray(b)) return [path];
  if (ArrayBuffer.isView(a) || ArrayBuffer.isView(b)) return JSON.stringify(a) === JSON.stringify(b) ? [] : [path];
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  const out: string[] = [];
  for (const k of keys) {
    if (IGNORED.has(k)) continue;
    out.push(...differences((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], path ? `${path}.${k}` : k));
  }
  return out;
}

function compile(path: string) {
  const result = compileSpec(path, nodeFileSystem);
  expect(result.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  return result.value!;
}

const VARIANTS = readdirSync(join(SPECS, 'reference'))
  .filter((f) => f.endsWith('.ibspec'))
  .sort();

describe('reference-faithful variants of the paper specs', () => {
  it('exist for all 12 paper specs', () => {
    expect(VARIANTS).toHaveLength(12);
  });

  for (const file of VARIANTS) {
    it(`${file}: only the KL form${file.startsWith('cifar') && file.includes('vgg16') ? ' and the schedule' : ''} differ from specs/${file}`, () => {
      const textbook = compile(join(SPECS, file));
      const reference = compile(join(SPECS, 'reference', file));
      const vgg = file.startsWith('cifar') && file.includes('vgg16');
      expect(textbook.spec.model.attention?.klForm).toBe('standard');
      expect(reference.spec.model.attention?.klForm).toBe('reference');
      expect(reference.spec.name).toBe(`${textbook.spec.name}-reference`);
      expect(differences(textbook.spec, reference.spec).sort()).toEqual(
        ['model.attention.klForm', 'name', ...(vgg ? ['train.schedule.every', 'train.schedule.kind', 'train.schedule.milestones'] : [])].sort(),
      );
      // The model the IR describes differs in the KL form only (the schedule is not part of the model).
      const irDiff = differences(textbook.ir, reference.ir);
      expect(irDiff.every((p) => p.endsWith('klForm') || p === 'name' || p.endsWith('.name') || p.endsWith('specName'))).toBe(true);
      expect(irDiff.some((p) => p.endsWith('klForm'))).toBe(true);
      if (vgg) {
        // The released code's LambdaLR, stepped at the start of each epoch: epoch e runs at 0.5^floor((e + 1) / 25).
        expect(reference.spec.train.schedule).toEqual({ kind: 'multistep', milestones: [24, 49, 74, 99, 124, 149, 174, 199], gamma: 0.5 });
        expect(textbook.spec.train.schedule).toEqual({ kind: 'step', every: 25, gamma: 0.5 });
      }
    });
  }
});
