/**
 * TF.js's CommonJS bundles are loaded with `require` (src/runtime/engine/tfjs-core.ts,
 * tfjs-backend-cpu.ts), never with an ES import: Node scans a CommonJS module's whole source
 * for export names on every ES import of it (~140 ms for tfjs-core, every command). Each
 * source file is compiled as tsc would emit it, so type-only imports (erased) pass and any
 * import that survives into the JavaScript (static, side-effect, dynamic) fails.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const SRC = resolve(import.meta.dirname, '../../src');
const REQUIRED_PACKAGES = ['@tensorflow/tfjs-core', '@tensorflow/tfjs-backend-cpu'];

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) return sources(full);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') ? [full] : [];
  });
}

/** The package specifiers the emitted JavaScript of `text` imports. */
function emittedImports(text: string): string[] {
  const js = ts.transpileModule(text, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } }).outputText;
  return ts.preProcessFile(js, true, true).importedFiles.map((f) => f.fileName);
}

describe('TF.js is required, not imported', () => {
  it('no emitted module of src/ imports tfjs-core or tfjs-backend-cpu', () => {
    const offenders: string[] = [];
    for (const file of sources(SRC)) {
      for (const specifier of emittedImports(readFileSync(file, 'utf8'))) {
        if (REQUIRED_PACKAGES.includes(specifier)) offenders.push(`${relative(SRC, file).split(sep).join('/')}: ${specifier}`);
      }
    }
    expect(offenders).toEqual([]);
  });

  it('the check sees a value import, a side-effect import and a dynamic import, and lets a type-only import pass', () => {
    expect(emittedImports("import * as tf from '@tensorflow/tfjs-core';\nexport const x = tf.add;")).toEqual(['@tensorflow/tfjs-core']);
    expect(emittedImports("import '@tensorflow/tfjs-backend-cpu';")).toEqual(['@tensorflow/tfjs-backend-cpu']);
    expect(emittedImports("export const m = () => import('@tensorflow/tfjs-core');")).toEqual(['@tensorflow/tfjs-core']);
    expect(emittedImports("import type { Tensor } from '@tensorflow/tfjs-core';\nexport let t: Tensor | undefined;")).toEqual([]);
  });
});
