/**
 * Regenerates the key tables of docs/language.md (between `<!-- keys: PATH -->`
 * and `<!-- /keys -->`) from the language definition, src/compiler/spec/definitions.ts,
 * and the table of docs/precision.md (between `<!-- precision-table -->` and
 * `<!-- /precision-table -->`) from the compiled step's per-op precision rules.
 *
 *   npm run docs:keys                                    # rewrite the tables
 *   npx vite-node scripts/gen-language-docs.ts --check  # exit 1 if they are out of date
 *
 * Tests (test/compiler/spec/docs-tables.test.ts, test/runtime/engine/compiled/precision-table.test.ts)
 * fail when the committed tables are stale.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { regenerateKeyTables } from '../src/compiler/spec/docs-tables.js';
import { regeneratePrecisionTable } from '../src/runtime/engine/compiled/precision-table.js';

const docs = join(dirname(fileURLToPath(import.meta.url)), '..', 'docs');
let stale = false;
for (const [file, regenerate, what] of [
  ['language.md', regenerateKeyTables, 'key tables'],
  ['precision.md', regeneratePrecisionTable, 'precision table'],
] as const) {
  const target = join(docs, file);
  const current = readFileSync(target, 'utf8');
  const regenerated = regenerate(current);
  if (process.argv.includes('--check')) {
    if (current !== regenerated) {
      process.stderr.write(`docs/${file} ${what} out of date: run npm run docs:keys\n`);
      stale = true;
    }
  } else if (current !== regenerated) {
    writeFileSync(target, regenerated);
    process.stdout.write(`docs/${file}: ${what} regenerated\n`);
  } else {
    process.stdout.write(`docs/${file}: ${what} already up to date\n`);
  }
}
if (stale) process.exit(1);
