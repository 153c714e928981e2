/** docs/precision.md's table of which ops run in which precision is what the step rules say (regenerate with `npm run docs:keys`). */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { precisionTable, regeneratePrecisionTable } from '../../../../src/runtime/engine/compiled/precision-table.js';
import { STEP_RULES } from '../../../../src/runtime/engine/compiled/step-rules.js';

const precisionMd = fileURLToPath(new URL('../../../../docs/precision.md', import.meta.url));

describe('docs/precision.md', () => {
  it('holds the table the step rules generate (run npm run docs:keys after changing a rule)', () => {
    const committed = readFileSync(precisionMd, 'utf8');
    expect(regeneratePrecisionTable(committed)).toBe(committed);
  });

  it('names every IR op once, and only the convolutions and matrix products take bf16 operands', () => {
    const table = precisionTable();
    for (const op of Object.keys(STEP_RULES)) expect(table.split('\n').filter((row) => row.startsWith(`| ${op} |`)), op).toHaveLength(1);
    const bf16 = table.split('\n').filter((row) => row.includes('**bf16 operands**')).map((row) => row.split(' | ')[0]);
    expect(bf16).toEqual(['| Conv2D', '| Dense']);
  });
});
