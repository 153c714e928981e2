/**
 * grammar/chevrotain.ts loads chevrotain's one-file build (start-up time); these check
 * that it is the installed release's, and that nothing else loads the package's entry,
 * which would be a second copy: token types numbered by one copy and matched by the
 * other's tokenMatcher disagree.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import * as bundled from '../../src/grammar/chevrotain.js';
import { createToken, tokenMatcher, VERSION } from 'chevrotain';

const SRC = resolve(import.meta.dirname, '../../src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    return entry.isDirectory() ? sourceFiles(path) : entry.name.endsWith('.ts') ? [path] : [];
  });
}

/** Files that import a value (not only types) from the 'chevrotain' package itself. */
function valueImportersOfChevrotain(): string[] {
  const out: string[] = [];
  for (const path of sourceFiles(SRC)) {
    const source = ts.createSourceFile(path, readFileSync(path, 'utf8'), ts.ScriptTarget.ES2022, true);
    source.forEachChild((node) => {
      if (!ts.isImportDeclaration(node) && !ts.isExportDeclaration(node)) return;
      const specifier = node.moduleSpecifier;
      if (!specifier || !ts.isStringLiteral(specifier) || specifier.text !== 'chevrotain') return;
      const typeOnly = ts.isImportDeclaration(node) ? node.importClause?.isTypeOnly === true : node.isTypeOnly;
      if (!typeOnly) out.push(relative(SRC, path));
    });
  }
  return out;
}

describe('chevrotain, loaded from its one-file build', () => {
  it('is the installed release, with every value grammar/ uses', () => {
    expect(bundled.createToken).toBeTypeOf('function');
    // A token made by the bundle is matched by the bundle's tokenMatcher, and the package's own copy is a different one.
    const token = bundled.createToken({ name: 'Probe', pattern: /probe/ });
    const lexed = new bundled.Lexer([token]).tokenize('probe');
    expect(lexed.errors).toEqual([]);
    expect(bundled.tokenMatcher(lexed.tokens[0]!, token)).toBe(true);
    expect(bundled.createToken).not.toBe(createToken);
    expect(bundled.tokenMatcher).not.toBe(tokenMatcher);
  });

  it('is the same version as the package entry', async () => {
    const { pathToFileURL } = await import('node:url');
    const { createRequire } = await import('node:module');
    const entry = createRequire(import.meta.url).resolve('chevrotain');
    const bundle = (await import(pathToFileURL(join(entry, '..', '..', 'chevrotain.mjs')).href)) as { VERSION: string };
    expect(bundle.VERSION).toBe(VERSION);
  });

  it('is the only copy src/ loads: no other file imports a value from the package', () => {
    expect(valueImportersOfChevrotain()).toEqual([]);
  });
});
