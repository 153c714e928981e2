/** The key tables of docs/language.md match the language definition (regenerate with `npm run docs:keys`). */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { keyTable, regenerateKeyTables } from '../../../src/compiler/spec/docs-tables.js';

const languageMd = fileURLToPath(new URL('../../../docs/language.md', import.meta.url));

describe('docs/language.md key tables', () => {
  it('are what the definitions generate (run npm run docs:keys after changing a key)', () => {
    const committed = readFileSync(languageMd, 'utf8');
    expect(regenerateKeyTables(committed)).toBe(committed);
  });

  it('cover every section of the language', () => {
    const regions = [...readFileSync(languageMd, 'utf8').matchAll(/^<!-- keys:(?: ([\w.]+))? -->$/gm)].map((m) => m[1] ?? '');
    expect(regions.sort()).toEqual(['', 'data', 'export', 'layers', 'model', 'model.attention', 'model.attention.quantize', 'model.backbone', 'train']);
  });

  it('show a key with its value, default and meaning', () => {
    expect(keyTable('model.attention')).toContain('| `beta` | `X`, ≥ 0 | `0.01` | KL weight beta |');
    expect(keyTable('train')).toContain('| `optimizer.lr` (adam) | `X`, > 0 | `0.001` | learning rate |');
  });

  it('rejects a region that names no section', () => {
    expect(() => regenerateKeyTables('<!-- keys: model.atention -->\n<!-- /keys -->\n')).toThrow(/names no section/);
  });
});
