/**
 * Strings that can only be wrong. No value of a spec may hold a control
 * character (a newline, a tab, NUL, an escape): in a name, a path or a class
 * name it is a mistake, and in a value handed to another program it is how
 * one value becomes two. The sweep's Slurm values must also read as Slurm
 * reads them (slurm-values.ts): a partition name, a time limit, a memory
 * size, an allowed sbatch option. `ibc check` reports each where it is written.
 */
import type { Diagnostic } from '../../diagnostics/diagnostic.js';
import { diagnostic } from '../../diagnostics/catalog.js';
import type { Json, JsonObject } from './spec-document.js';
import { escapePointerPart, isJsonObject } from './spec-document.js';
import { locateValue, type SpanMap } from './span-map.js';
import { controlCharacterProblem } from '../../support/control-characters.js';
import { sbatchOptionProblem, SLURM_VALUE_CHECKS } from './slurm-values.js';

/** A pointer as the user reads a key path: /sweep/0/slurm/partition -> sweep.0.slurm.partition. */
function keyPath(pointer: string): string {
  return pointer.slice(1).split('/').map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~')).join('.');
}

function walk(value: Json, pointer: string, visit: (text: string, pointer: string) => void): void {
  if (typeof value === 'string') visit(value, pointer);
  else if (Array.isArray(value)) (value as readonly Json[]).forEach((item, i) => walk(item, `${pointer}/${i}`, visit));
  else if (isJsonObject(value)) for (const [key, item] of Object.entries(value)) walk(item as Json, `${pointer}/${escapePointerPart(key)}`, visit);
}

export function checkStrings(document: JsonObject, spans: SpanMap): Diagnostic[] {
  const out: Diagnostic[] = [];
  const at = (pointer: string): { span?: NonNullable<ReturnType<typeof locateValue>> } => {
    const span = locateValue(spans, pointer);
    return span ? { span } : {};
  };
  walk(document, '', (text, pointer) => {
    const problem = controlCharacterProblem(text);
    if (problem) out.push(diagnostic('controlCharacter', { ...at(pointer), args: { key: keyPath(pointer), value: JSON.stringify(text), problem } }));
  });
  const sweep = document.sweep;
  if (!Array.isArray(sweep)) return out;
  (sweep as readonly Json[]).forEach((item, i) => {
    const slurm = isJsonObject(item) ? item.slurm : undefined;
    if (!isJsonObject(slurm)) return;
    for (const [name, check] of Object.entries(SLURM_VALUE_CHECKS)) {
      const value = slurm[name];
      if (typeof value !== 'string' || controlCharacterProblem(value)) continue;
      const problem = check(value);
      if (problem) out.push(diagnostic('slurmValueInvalid', { ...at(`/sweep/${i}/slurm/${name}`), args: { option: name, value: JSON.stringify(value), problem } }));
    }
    const lines = slurm.sbatch;
    if (!Array.isArray(lines)) return;
    (lines as readonly Json[]).forEach((line, j) => {
      if (typeof line !== 'string' || controlCharacterProblem(line)) return;
      const problem = sbatchOptionProblem(line);
      if (problem) out.push(diagnostic('slurmSbatchRefused', { ...at(`/sweep/${i}/slurm/sbatch/${j}`), args: { value: JSON.stringify(line), problem } }));
    });
  });
  return out;
}
