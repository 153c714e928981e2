/** `ibc fmt` changes layout, never meaning: a formatted spec resolves to the same spec (same hash). */
import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseSpec } from '../../../src/grammar/parse.js';
import { formatSpec } from '../../../src/grammar/format.js';
import { memoryFileSystem } from '../../../src/host/file-system.js';
import { loadSpec } from '../../../src/compiler/spec/load-spec.js';
import { specHash } from '../../../src/compiler/spec/serialize.js';

const SPECS = resolve(import.meta.dirname, '../../../specs');

function tree(): Record<string, string> {
  const files: Record<string, string> = {};
  for (const dir of [SPECS, join(SPECS, 'base'), join(SPECS, 'test')]) {
    for (const f of readdirSync(dir).filter((n) => n.endsWith('.ibspec'))) files[join(dir, f)] = readFileSync(join(dir, f), 'utf8');
  }
  return files;
}

describe('formatting keeps the meaning of every reference spec', () => {
  const files = tree();
  const formatted = Object.fromEntries(Object.entries(files).map(([path, text]) => [path, formatSpec(parseSpec(text, path).value!)]));
  for (const path of Object.keys(files).filter((p) => !p.includes('/base/'))) {
    it(path.slice(SPECS.length + 1), () => {
      const before = loadSpec(path, memoryFileSystem(files));
      const after = loadSpec(path, memoryFileSystem(formatted));
      expect(after.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
      expect(specHash(after.value!)).toBe(specHash(before.value!));
    });
  }
});
