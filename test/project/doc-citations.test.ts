/**
 * Source comments that cite a document cite one the repository has: every
 * `docs/....md` path in a comment under src/ names an existing file, and no
 * comment cites a bare method.md, quality-bar.md or reference-configs.md,
 * which are not in the repository (the method is docs/method.md).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');
const SRC = join(ROOT, 'src');

const DOC_PATH = /\bdocs\/[A-Za-z0-9_./-]*\.md\b/g;
const BARE_NOTE = /(?<![\w/])(?:method|quality-bar|reference-configs)\.md\b/g;

/** The text of every comment in a TypeScript source (strings and code left out). */
function commentsOf(text: string): string[] {
  const scanner = ts.createScanner(ts.ScriptTarget.Latest, false, ts.LanguageVariant.Standard, text);
  const comments: string[] = [];
  for (let kind = scanner.scan(); kind !== ts.SyntaxKind.EndOfFileToken; kind = scanner.scan()) {
    if (kind === ts.SyntaxKind.SingleLineCommentTrivia || kind === ts.SyntaxKind.MultiLineCommentTrivia) comments.push(scanner.getTokenText());
  }
  return comments;
}

/** Each document path cited in a comment of `text`. */
function citedDocs(text: string): string[] {
  return commentsOf(text).flatMap((comment) => comment.match(DOC_PATH) ?? []);
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    return entry.isDirectory() ? sourceFiles(path) : entry.name.endsWith('.ts') ? [path] : [];
  });
}

describe('document citations in src/ comments', () => {
  const files = sourceFiles(SRC).map((path) => ({ path: relative(ROOT, path).split(sep).join('/'), text: readFileSync(path, 'utf8') }));

  it('finds the citations in comments only, not in strings or code', () => {
    const text = "// see docs/a.md and docs/sub/b-c.md.\n/* docs/d.md */\nconst x = 'docs/not-a-comment.md';\n";
    expect(citedDocs(text)).toEqual(['docs/a.md', 'docs/sub/b-c.md', 'docs/d.md']);
  });

  it('cites only documents that exist', () => {
    const citations = files.flatMap(({ path, text }) => citedDocs(text).map((doc) => ({ path, doc })));
    // The method is cited from the engines, the IR and the network builder: the scan must see them.
    expect(citations.filter((c) => c.doc === 'docs/method.md').length).toBeGreaterThan(10);
    const missing = citations.filter(({ doc }) => !existsSync(join(ROOT, doc))).map(({ path, doc }) => `${path}: ${doc}`);
    expect(missing).toEqual([]);
  });

  it('cites no note that is not in the repository', () => {
    expect(commentsOf('// a bare method.md, docs/method.md and quality-bar.md').join('').match(BARE_NOTE)).toEqual(['method.md', 'quality-bar.md']);
    const bare = files.flatMap(({ path, text }) => commentsOf(text).flatMap((comment) => (comment.match(BARE_NOTE) ?? []).map((name) => `${path}: ${name}`)));
    expect(bare).toEqual([]);
  });
});
