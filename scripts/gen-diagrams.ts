/**
 * Generates docs/syntax-diagrams.html (railroad diagrams of the .ibspec
 * grammar) from the parser itself, so the picture cannot drift from the code.
 *
 *   npx vite-node scripts/gen-diagrams.ts          # rewrite the file
 *   npx vite-node scripts/gen-diagrams.ts --check  # exit 1 if it is out of date
 *
 * The page loads Chevrotain's diagram renderer from unpkg (pinned to the
 * installed version), so viewing it needs a network connection.
 * A test (test/grammar/diagrams.test.ts) fails when the committed file is stale.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { syntaxDiagramsHtml } from '../src/grammar/diagrams.js';

const target = join(dirname(fileURLToPath(import.meta.url)), '..', 'docs', 'syntax-diagrams.html');
const html = syntaxDiagramsHtml();
if (process.argv.includes('--check')) {
  let current = '';
  try {
    current = readFileSync(target, 'utf8');
  } catch {
    // missing counts as stale
  }
  if (current !== html) {
    process.stderr.write('docs/syntax-diagrams.html is out of date: run npx vite-node scripts/gen-diagrams.ts\n');
    process.exit(1);
  }
} else {
  writeFileSync(target, html);
  process.stdout.write(`wrote ${target}\n`);
}
