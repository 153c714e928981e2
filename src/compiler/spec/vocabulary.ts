/**
 * The spec vocabulary: every section, key, option and layer type the language
 * knows, and how each statement becomes part of the spec document. The tables
 * are derived from the language definition (definitions.ts), which is the one
 * place that says what a keyword means; `from-ast.ts` only walks them.
 *
 * Statement forms:
 *  - value:  `beta 0.01`               -> the one positional value
 *  - record: `optimizer sgd lr=0.1`     -> { kind: 'sgd', lr: 0.1 }: positional values
 *            get the names in `positional`, options keep their names, and a block
 *            is either more keyed statements (`keys`) or a layer list (`layersField`)
 *  - layers: `decoder { linear 10 }`    -> [ { type: 'linear', units: 10 } ]
 * A rule with `append` collects repeated statements into an array (`stage`).
 */

import { LAYER, SPEC } from './definitions.js';
import { keysForTag, tagsOf, type Key, type SectionKey, type Syntax, type UnionKey } from './key.js';

export interface ValueRule {
  readonly form: 'value';
  readonly doc: string;
}

export interface RecordRule {
  readonly form: 'record';
  readonly doc: string;
  /** Field names for positional values, in order. */
  readonly positional?: readonly string[];
  /** Option names (`name=value`) this statement accepts. */
  readonly options?: readonly string[];
  /** The block holds keyed statements of this table. */
  readonly keys?: RuleTable;
  /** The block holds layers, stored under this field. */
  readonly layersField?: string;
  /** `train "dir"` (one value, nothing else) is that plain value rather than a record. */
  readonly scalarWhenSingle?: boolean;
  /** Each statement appends an item to this array field of the parent instead of setting its own key. */
  readonly append?: string;
}

export interface LayersRule {
  readonly form: 'layers';
  readonly doc: string;
}

export type Rule = ValueRule | RecordRule | LayersRule;
export type RuleTable = Readonly<Record<string, Rule>>;

export interface LayerRule {
  readonly doc: string;
  readonly positional: readonly string[];
  readonly options: readonly string[];
}

// ---------------------------------------------------------------- derived from definitions.ts

const valueRule = (doc: string): ValueRule => ({ form: 'value', doc });

/** The statement rule of one key, as its parent's block holds it. */
function ruleOf(k: Key): Rule {
  switch (k.form) {
    case 'value':
    case 'list':
      return valueRule(k.doc);
    case 'layers':
      return { form: 'layers', doc: k.doc };
    case 'section':
      return recordRule(k.doc, Object.entries(k.keys), k.syntax, k.positional ?? []);
    case 'union':
      return unionRule(k);
  }
}

/** The fields of every variant of a union, merged by name in order (the first definition of a name stands). */
function unionFields(union: UnionKey): [string, Key][] {
  const fields = new Map<string, Key>();
  for (const v of Object.values(union.variants)) {
    for (const [name, k] of Object.entries(v.keys)) if (!fields.has(name)) fields.set(name, k);
  }
  return [...fields.entries()];
}

function hasScalarForm(union: UnionKey, name: string): boolean {
  return Object.values(union.variants).some((v) => v.keys[name]?.form === 'value');
}

function recordRule(doc: string, fields: readonly [string, Key][], syntax: Syntax, positional: readonly string[]): RecordRule {
  const options: string[] = [];
  const keys: Record<string, Rule> = {};
  for (const [name, k] of fields) {
    if (k.form === 'list' && k.statement) {
      const s = k.statement;
      keys[s.word] = { form: 'record', doc: k.item.doc, positional: s.positional, layersField: s.layersField, append: name };
      continue;
    }
    if (syntax === 'options' || k.option) options.push(name);
    if (syntax === 'block') keys[name] = ruleOf(k);
  }
  return {
    form: 'record',
    doc,
    ...(positional.length > 0 ? { positional } : {}),
    ...(options.length > 0 ? { options } : {}),
    ...(Object.keys(keys).length > 0 ? { keys } : {}),
  };
}

/**
 * A name that is a record in one variant and a plain value in another (`data
 * idx { train images=... }`, `data folder { train "dir" }`) is a record that
 * is that plain value when given one value alone.
 */
function withScalarForms(union: UnionKey, rule: RecordRule): RecordRule {
  if (!rule.keys) return rule;
  const keys: Record<string, Rule> = {};
  for (const [name, r] of Object.entries(rule.keys)) {
    keys[name] = r.form === 'record' && hasScalarForm(union, name) ? { ...r, scalarWhenSingle: true } : r;
  }
  return { ...rule, keys };
}

function unionRule(union: UnionKey): RecordRule {
  return withScalarForms(union, recordRule(union.doc, unionFields(union), union.syntax, [union.tag]));
}

function sectionTable(section: SectionKey): RuleTable {
  const table: Record<string, Rule> = {};
  for (const [name, k] of Object.entries(section.keys)) table[name] = ruleOf(k);
  return table;
}

/** Layer statements, allowed in `stage`, `head`, `decoder`, `classifier` and `encoder_head` blocks. `repeat N { }` is handled by the document builder (from-ast.ts). */
export const layerRules: Readonly<Record<string, LayerRule>> = Object.fromEntries(
  Object.entries(LAYER.variants).flatMap(([name, v]) =>
    tagsOf(name, v).map((tag): [string, LayerRule] => {
      const positional = v.positional ?? [];
      const options = keysForTag(v, tag)
        .map(([field]) => field)
        .filter((field) => !positional.includes(field));
      return [tag, { doc: v.doc, positional, options }];
    }),
  ),
);

/** `repeat N { layers }`: expanded by the document builder (from-ast.ts). */
export const REPEAT_KEYWORD = 'repeat';

/** The top level of a spec file. `extends` and `sweep` are handled specially by the document builder (from-ast.ts). */
export const topLevelRules: RuleTable = sectionTable(SPEC);

export const EXTENDS_KEYWORD = 'extends';
export const SWEEP_KEYWORD = 'sweep';

/** Every top-level word, for "did you mean". */
export const TOP_LEVEL_WORDS: readonly string[] = [...Object.keys(topLevelRules), EXTENDS_KEYWORD, SWEEP_KEYWORD];

/**
 * Resolves a dotted path (`model.attention.beta`, `train.optimizer.lr`) to the
 * rule that sets it. The path may end at a value rule, or at a positional or
 * option field of a record rule. Returns the index of the first unknown part
 * and the names that would have been accepted there when it does not resolve.
 */
export type PathLookup =
  | { readonly ok: true; readonly rule: Rule | 'field' }
  | { readonly ok: false; readonly badIndex: number; readonly candidates: readonly string[]; readonly reason: 'unknown' | 'not-a-value' };

export function lookupPath(parts: readonly string[]): PathLookup {
  let table: RuleTable | undefined = topLevelRules;
  let record: RecordRule | undefined;
  for (const [i, part] of parts.entries()) {
    const last = i === parts.length - 1;
    const fields: readonly string[] = record ? [...(record.positional ?? []), ...(record.options ?? [])] : [];
    if (last && fields.includes(part)) return { ok: true, rule: 'field' };
    const rule: Rule | undefined = table?.[part];
    if (!rule || (rule.form === 'record' && rule.append)) {
      return { ok: false, badIndex: i, candidates: [...Object.keys(table ?? {}), ...(last ? fields : [])], reason: 'unknown' };
    }
    if (last) {
      return rule.form === 'value' ? { ok: true, rule } : { ok: false, badIndex: i, candidates: [], reason: 'not-a-value' };
    }
    if (rule.form !== 'record') return { ok: false, badIndex: i + 1, candidates: [], reason: 'not-a-value' };
    record = rule;
    table = rule.keys ?? {};
  }
  return { ok: false, badIndex: 0, candidates: Object.keys(topLevelRules), reason: 'unknown' };
}
