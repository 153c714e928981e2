/**
 * The table of docs/precision.md "Which ops run in which precision", generated
 * from the step rules' precision facts (op.ts PrecisionRule, written beside
 * each op in ops/): `npm run docs:keys` rewrites it between
 * `<!-- precision-table -->` and `<!-- /precision-table -->`, and a test fails
 * when the committed table is stale.
 */
import type { Op } from '../../../compiler/ir/ir.js';
import { STEP_RULES } from './step-rules.js';

const BEGIN = '<!-- precision-table -->';
const END = '<!-- /precision-table -->';

/** One row per IR op: its arithmetic in a bf16 run and why. */
export function precisionTable(): string {
  const rows = (Object.keys(STEP_RULES) as Op[]).map((op) => {
    const rule = STEP_RULES[op];
    if (rule.kind === 'input') return `| ${op} | float32 | the batch as the data pipeline makes it |`;
    if (rule.kind === 'view') return `| ${op} | (no arithmetic) | a view of its input |`;
    const how = rule.precision.bf16 === 'operands' ? '**bf16 operands**, float32 accumulation and output' : 'float32';
    return `| ${op} | ${how} | ${rule.precision.why} |`;
  });
  return ['| IR op | in a bf16 run | why |', '|---|---|---|', ...rows].join('\n');
}

/** `markdown` with the table between its markers regenerated; throws when the markers are missing. */
export function regeneratePrecisionTable(markdown: string): string {
  const start = markdown.indexOf(BEGIN);
  const end = markdown.indexOf(END);
  if (start < 0 || end < start) throw new Error(`docs/precision.md has no ${BEGIN} ... ${END} region`);
  return `${markdown.slice(0, start + BEGIN.length)}\n${precisionTable()}\n${markdown.slice(end)}`;
}
