/** Every spec shipped in specs/ (the reference configurations) compiles without errors. */
import { describe, expect, it } from 'vitest';
import { readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { nodeFileSystem } from '../../../src/host/file-system.js';
import { compileSpec } from '../../../src/compiler/compile.js';
import { brief } from '../../fixtures/spec-text.js';

const SPECS = resolve(import.meta.dirname, '../../../specs');

/** Top-level specs and test specs; specs/base/ holds partial files meant only to be extended. */
export function referenceSpecFiles(): string[] {
  const list = (dir: string) => readdirSync(dir).filter((f) => f.endsWith('.ibspec')).sort().map((f) => join(dir, f));
  return [...list(SPECS), ...list(join(SPECS, 'test'))];
}

describe('reference specs', () => {
  const files = referenceSpecFiles();
  it('there are some', () => {
    expect(files.length).toBeGreaterThan(0);
  });
  for (const file of files) {
    it(file.slice(SPECS.length + 1), () => {
      const result = compileSpec(file, nodeFileSystem);
      expect(result.diagnostics.filter((d) => d.severity === 'error').map(brief)).toEqual([]);
      expect(result.value).toBeDefined();
    });
  }
});
