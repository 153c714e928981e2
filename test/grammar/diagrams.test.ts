/** The committed railroad diagrams match the grammar (regenerate with `npx vite-node scripts/gen-diagrams.ts`). */
import { expect, test } from 'vitest';
import { readFileSync } from 'node:fs';
import { syntaxDiagramsHtml } from '../../src/grammar/diagrams.js';

test('docs/syntax-diagrams.html is up to date', () => {
  const committed = readFileSync(new URL('../../docs/syntax-diagrams.html', import.meta.url), 'utf8');
  expect(committed).toBe(syntaxDiagramsHtml());
});
