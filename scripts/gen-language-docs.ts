/**
 * Regenerates the key tables of docs/language.md (between `<!-- keys: PATH -->`
 * and `<!-- /keys -->`) from the language definition, src/compiler/spec/definitions.ts.
 *
 *   npm run docs:keys                                    # rewrite the tables
 *   npx vite-node scripts/gen-language-docs.ts --check  # exit 1 if they are out of date
 *
 * A test (test/compiler/spec/docs-tables.test.ts) fails when the committed tables are stale.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { regenerateKeyTables } from '../src/compiler/spec/docs-tables.js';

const target = join(dirname(fileURLToPath(import.meta.url)), '..', 'docs', 'language.md');
const current = readFileSync(target, 'utf8');
const regenerated = regenerateKeyTables(current);
if (process.argv.includes('--check')) {
  if (current !== regenerated) {
    process.stderr.write('docs/language.md key tables are out of date: run npm run docs:keys\n');
    process.exit(1);
  }
} else if (current !== regenerated) {
  writeFileSync(target, regenerated);
  process.stdout.write('docs/language.md: key tables regenerated\n');
} else {
  process.stdout.write('docs/language.md: key tables already up to date\n');
}
