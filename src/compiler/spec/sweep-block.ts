/**
 * A `sweep { ... }` block, read into the document's `sweep` list. Three
 * kinds of entry:
 *
 *   model.attention.beta in [0.001, 0.01]       an axis of the cartesian product
 *   zip {                                       paired values: one axis whose
 *     model.attention.quantize.anchors in [10, 20]   lists advance together
 *     train.optimizer.lr in [0.1, 0.05]
 *   }
 *   seeds 3                                     every member with 3 seeds: train.seed,
 *                                               train.seed + 1, train.seed + 2
 *   slurm partition=gpu time="4:00:00" sbatch=["--account=lab"]
 *                                               how `ibc sweep --launcher slurm` asks for
 *                                               resources (not part of any member)
 *
 * Document form: `{path, values}`; zipped entries carry `zip: <group>`; `seeds N`
 * is `{path: "train.seed", values: [0, ..., N-1], seeds: N}`, whose values are
 * offsets from the spec's own seed (known only after `extends` merging; see sweep.ts);
 * `slurm ...` is `{slurm: {partition, ...}}`.
 */
import type { Block, Statement } from '../../grammar/ast.js';
import type { Diagnostic, Span } from '../../diagnostics/diagnostic.js';
import { diagnostic } from '../../diagnostics/catalog.js';
import { valueToJson } from './ast-values.js';
import { suggestClosest } from '../../diagnostics/suggest.js';
import type { Json } from './spec-document.js';
import type { MutableSpanMap } from './span-map.js';
import { lastOf } from '../../support/checked.js';

export const ZIP_KEYWORD = 'zip';
export const SEEDS_KEYWORD = 'seeds';
export const SEED_PATH = 'train.seed';
export const SLURM_KEYWORD = 'slurm';
/** The options of `slurm` (checked by the JSON Schema). */
export const SLURM_OPTIONS = ['partition', 'time', 'mem', 'cpus_per_task', 'gpus_per_task', 'sbatch'] as const;
/** The most seeds `seeds N` may ask for (the sweep's member limit bounds the product anyway). */
const MAX_SEEDS = 1000;

/** What the document builder (from-ast.ts) offers this module: its span map, its report and its path check. */
export interface SweepBlockContext {
  readonly spans: MutableSpanMap;
  report(d: Diagnostic): void;
  /** Whether the dotted path names a single value; reports (with a suggestion) when it does not. */
  lookup(stmt: Statement, parts: readonly string[]): boolean;
}

function keySpan(stmt: Statement): Span {
  const first = stmt.key[0].span;
  const last = lastOf(stmt.key).span;
  return { file: first.file, start: first.start, end: last.end };
}

function isKeyword(stmt: Statement, word: string): boolean {
  return stmt.key.length === 1 && stmt.key[0].name === word;
}

export function sweepFromBlock(block: Block, builder: SweepBlockContext): Json[] {
  const entries: Json[] = [];
  const seen = new Map<string, Span>();
  let zipGroups = 0;

  /** Reads `path in [values]`; returns the number of values, or undefined when the entry was rejected. */
  const plainEntry = (entry: Statement, zip: number | undefined): { length: number; listSpan: Span; path: string } | undefined => {
    const [inWord, list] = entry.args;
    const wellFormed =
      entry.args.length === 2 && inWord?.kind === 'IdentifierValue' && inWord.name === 'in' && list?.kind === 'List' && entry.options.length === 0 && !entry.block;
    if (!wellFormed) {
      builder.report(diagnostic('malformedSweepEntry', { span: entry.span }));
      return undefined;
    }
    const parts = entry.key.map((k) => k.name);
    if (!builder.lookup(entry, parts)) return undefined;
    const path = parts.join('.');
    if (!claimPath(path, keySpan(entry))) return undefined;
    if (list.items.length === 0) {
      builder.report(diagnostic('emptySweep', { span: list.span, args: { path } }));
      return undefined;
    }
    const itemPointer = `/sweep/${entries.length}`;
    locateEntry(itemPointer, entry);
    const values = valueToJson(list, `${itemPointer}/values`, builder.spans);
    entries.push(zip === undefined ? { path, values } : { path, values, zip });
    return { length: list.items.length, listSpan: list.span, path };
  };

  const claimPath = (path: string, span: Span): boolean => {
    const first = seen.get(path);
    if (first) {
      builder.report(diagnostic('duplicateSweepPath', { span, args: { path }, related: [{ message: `'${path}' is first swept here`, span: first }] }));
      return false;
    }
    seen.set(path, span);
    return true;
  };

  const locateEntry = (itemPointer: string, entry: Statement): void => {
    builder.spans.values.set(itemPointer, entry.span);
    builder.spans.keys.set(itemPointer, keySpan(entry));
    builder.spans.values.set(`${itemPointer}/path`, keySpan(entry));
  };

  const zipEntry = (entry: Statement): void => {
    if (entry.args.length > 0 || entry.options.length > 0 || !entry.block || entry.block.statements.length === 0) {
      builder.report(diagnostic('malformedZip', { span: entry.block && entry.args.length === 0 && entry.options.length === 0 ? entry.block.span : entry.span }));
      return;
    }
    const group = zipGroups++;
    let first: { length: number; listSpan: Span; path: string } | undefined;
    for (const inner of entry.block.statements) {
      if (isKeyword(inner, ZIP_KEYWORD) || isKeyword(inner, SEEDS_KEYWORD)) {
        builder.report(diagnostic('malformedSweepEntry', { span: inner.span }));
        continue;
      }
      const read = plainEntry(inner, group);
      if (!read) continue;
      if (!first) first = read;
      else if (read.length !== first.length) {
        builder.report(
          diagnostic('zipLengthMismatch', {
            span: read.listSpan,
            args: { path: read.path, count: read.length, first: first.path, expected: first.length },
            related: [{ message: `'${first.path}' has ${first.length} values`, span: first.listSpan }],
          }),
        );
      }
    }
  };

  const seedsEntry = (entry: Statement): void => {
    const [count] = entry.args;
    const valid =
      entry.args.length === 1 && count?.kind === 'Number' && Number.isInteger(count.value) && count.value >= 1 && count.value <= MAX_SEEDS && entry.options.length === 0 && !entry.block;
    if (!valid) {
      builder.report(diagnostic('invalidSeeds', { span: entry.span, args: { limit: MAX_SEEDS } }));
      return;
    }
    if (!claimPath(SEED_PATH, keySpan(entry))) return;
    const n = count.value;
    const itemPointer = `/sweep/${entries.length}`;
    locateEntry(itemPointer, entry);
    const values: number[] = [];
    for (let i = 0; i < n; i++) {
      values.push(i);
      builder.spans.values.set(`${itemPointer}/values/${i}`, count.span);
    }
    entries.push({ path: SEED_PATH, values, seeds: n });
  };

  let slurm: Statement | undefined;
  /** Read after the swept entries, so that it is the last item and their indices match sweepEntries'. */
  const slurmEntry = (entry: Statement): void => {
    if (entry.args.length > 0 || entry.block) {
      builder.report(diagnostic('malformedSlurm', { span: entry.args[0]?.span ?? entry.block?.span ?? entry.span }));
      return;
    }
    const itemPointer = `/sweep/${entries.length}`;
    builder.spans.values.set(itemPointer, entry.span);
    builder.spans.keys.set(itemPointer, keySpan(entry));
    builder.spans.keys.set(`${itemPointer}/slurm`, keySpan(entry));
    builder.spans.values.set(`${itemPointer}/slurm`, entry.span);
    const settings: Record<string, Json> = {};
    for (const option of entry.options) {
      const name = option.name.name;
      if (!(SLURM_OPTIONS as readonly string[]).includes(name)) {
        const suggestion = suggestClosest(name, SLURM_OPTIONS);
        builder.report(diagnostic('unknownOption', { span: option.name.span, args: { name, statement: SLURM_KEYWORD }, ...(suggestion !== undefined ? { suggestion } : {}) }));
        continue;
      }
      if (name in settings) {
        builder.report(diagnostic('duplicateOption', { span: option.name.span, args: { name } }));
        continue;
      }
      const pointer = `${itemPointer}/slurm/${name}`;
      builder.spans.keys.set(pointer, option.name.span);
      settings[name] = valueToJson(option.value, pointer, builder.spans);
    }
    entries.push({ slurm: settings });
  };

  for (const entry of block.statements) {
    if (isKeyword(entry, ZIP_KEYWORD)) zipEntry(entry);
    else if (isKeyword(entry, SEEDS_KEYWORD)) seedsEntry(entry);
    else if (isKeyword(entry, SLURM_KEYWORD)) {
      if (slurm) {
        builder.report(diagnostic('duplicateKey', { span: keySpan(entry), args: { name: SLURM_KEYWORD, where: 'the sweep' }, related: [{ message: "'slurm' is first set here", span: keySpan(slurm) }] }));
      } else slurm = entry;
    } else plainEntry(entry, undefined);
  }
  if (slurm) slurmEntry(slurm);
  return entries;
}
