/**
 * Syntax tree -> spec document (plain JSON) + span map: the document builder. Walks the
 * vocabulary table (vocabulary.ts); every unknown word gets a "did you mean",
 * every duplicate points at the first occurrence. Never throws for a user's
 * mistake: what cannot be placed in the document is reported and left out.
 */
import type { Block, Identifier, Statement, SpecFile, Value } from '../../grammar/ast.js';
import type { Diagnostic, Result, Span } from '../../diagnostics/diagnostic.js';
import { diagnostic } from '../../diagnostics/catalog.js';
import { suggestClosest } from '../../diagnostics/suggest.js';
import { valueToJson } from './ast-values.js';
import type { Json, MutableJsonObject } from './spec-document.js';
import { escapePointerPart, isJsonObject } from './spec-document.js';
import { emptySpanMap, type MutableSpanMap } from './span-map.js';
import { sweepFromBlock } from './sweep-block.js';
import { isNonEmpty, itemAt, lastOf, type NonEmpty } from '../../support/checked.js';
import {
  EXTENDS_KEYWORD,
  REPEAT_KEYWORD,
  SWEEP_KEYWORD,
  TOP_LEVEL_WORDS,
  layerRules,
  lookupPath,
  topLevelRules,
  type RecordRule,
  type Rule,
  type RuleTable,
} from './vocabulary.js';

export interface SpecFromAst {
  readonly document: MutableJsonObject;
  readonly spans: MutableSpanMap;
  /** The `extends "..."` statement, when present. */
  readonly extendsRef?: { readonly path: string; readonly span: Span };
  /** An `extends` statement was there but unusable: the document lacks what the base would have given. */
  readonly brokenExtends: boolean;
  /**
   * Pointers the user evidently meant to set but that could not be set (a
   * misspelt key's suggestion, a key without its value): a "missing key" error
   * for them would only repeat the error already reported.
   */
  readonly attempted: ReadonlySet<string>;
}

/** The most times `repeat` may repeat its block (a typo like `repeat 10000` should not hang the compiler). */
const MAX_REPEAT = 1000;

/** The most layers one block may hold once its `repeat`s are expanded (nested repeats multiply: 1000 x 1000 is a million). */
export const MAX_LAYERS_PER_BLOCK = 10_000;

export function documentFromAst(ast: SpecFile): Result<SpecFromAst> {
  const builder = new DocumentBuilder();
  const document: MutableJsonObject = {};
  let extendsRef: SpecFromAst['extendsRef'];
  let brokenExtends = false;
  // Problems with the document as a whole ("the spec needs 'data'") point at the start of the file.
  builder.spans.keys.set('', { file: ast.file, start: ast.span.start, end: ast.span.start });
  const overrides: Statement[] = [];
  ast.statements.forEach((stmt, index) => {
    const word = stmt.key[0].name;
    if (stmt.key.length === 1 && word === EXTENDS_KEYWORD) {
      if (index !== 0) builder.report(diagnostic('extendsNotFirst', { span: stmt.key[0].span }));
      const ref = builder.extendsTarget(stmt);
      if (ref && index === 0) extendsRef = ref;
      else brokenExtends = true;
      return;
    }
    if (stmt.key.length === 1 && word === SWEEP_KEYWORD) {
      builder.sweep(stmt, document);
      return;
    }
    if (stmt.key.length > 1) {
      overrides.push(stmt);
      return;
    }
    const rule = topLevelRules[word];
    if (!rule) {
      builder.unknownWord('unknownSection', stmt.key[0], TOP_LEVEL_WORDS, {}, '');
      return;
    }
    builder.statementInto(stmt, word, rule, document, '', 'the file');
  });
  for (const stmt of overrides) builder.override(stmt, document);
  return {
    value: { document, spans: builder.spans, ...(extendsRef ? { extendsRef } : {}), brokenExtends, attempted: builder.attempted },
    diagnostics: builder.diagnostics,
  };
}

/** The span from the start of `a` to the end of `b`. */
export function spanFromTo(a: Span, b: Span): Span {
  return { file: a.file, start: a.start, end: b.end };
}

function keySpan(stmt: Statement): Span {
  return spanFromTo(stmt.key[0].span, lastOf(stmt.key).span);
}

/** The span from the first to the last of `values`. */
function valuesSpan(values: NonEmpty<Value>): Span {
  return spanFromTo(values[0].span, lastOf(values).span);
}

function keyText(stmt: Statement): string {
  return stmt.key.map((k) => k.name).join('.');
}

class DocumentBuilder {
  readonly spans: MutableSpanMap = emptySpanMap();
  readonly diagnostics: Diagnostic[] = [];
  readonly attempted = new Set<string>();

  report(d: Diagnostic): void {
    this.diagnostics.push(d);
  }

  unknownWord(
    kind: 'unknownSection' | 'unknownKey' | 'unknownLayer' | 'unknownOption',
    word: Identifier,
    candidates: readonly string[],
    args: Readonly<Record<string, string>>,
    /** Where the suggested word would have gone, so that its absence is not reported again. */
    parentPointer?: string,
  ): void {
    const suggestion = suggestClosest(word.name, candidates);
    if (suggestion !== undefined && parentPointer !== undefined) this.attempted.add(`${parentPointer}/${escapePointerPart(suggestion)}`);
    this.report(
      diagnostic(kind, {
        span: word.span,
        args: { name: word.name, ...args },
        ...(suggestion !== undefined ? { suggestion } : {}),
      }),
    );
  }

  extendsTarget(stmt: Statement): { path: string; span: Span } | undefined {
    const [arg] = stmt.args;
    if (arg === undefined || stmt.args.length !== 1 || arg.kind !== 'String' || stmt.options.length > 0 || stmt.block) {
      this.report(diagnostic('extendsNotString', { span: stmt.span }));
      return undefined;
    }
    return { path: arg.value, span: arg.span };
  }

  /** Sets `stmt` (a keyed statement matched to `rule`) into `target` at `pointer`. */
  statementInto(stmt: Statement, word: string, rule: Rule, target: MutableJsonObject, pointer: string, where: string): void {
    if (rule.form === 'record' && rule.append) {
      const existing = target[rule.append];
      const list: Json[] = Array.isArray(existing) ? [...(existing as Json[])] : [];
      const listPointer = `${pointer}/${rule.append}`;
      const itemPointer = `${listPointer}/${list.length}`;
      if (!this.spans.keys.has(listPointer)) this.spans.keys.set(listPointer, keySpan(stmt));
      const item = this.record(stmt, rule, itemPointer);
      this.spans.keys.set(itemPointer, keySpan(stmt));
      this.spans.values.set(itemPointer, stmt.span);
      list.push(item);
      target[rule.append] = list;
      return;
    }
    const fieldPointer = `${pointer}/${escapePointerPart(word)}`;
    if (word in target) {
      this.duplicate(word, stmt.key[0].span, fieldPointer, where);
      return;
    }
    const value = this.ruleValue(stmt, rule, fieldPointer);
    if (value === undefined) return;
    target[word] = value;
    this.spans.keys.set(fieldPointer, keySpan(stmt));
    // A plain value already has its own span; a section or list is located by its whole statement.
    if (!this.spans.values.has(fieldPointer)) this.spans.values.set(fieldPointer, stmt.span);
  }

  duplicate(word: string, span: Span, pointer: string, where: string): void {
    const first = this.spans.keys.get(pointer) ?? this.spans.values.get(pointer);
    this.report(
      diagnostic('duplicateKey', {
        span,
        args: { name: word, where },
        ...(first ? { related: [{ message: `'${word}' is first set here`, span: first }] } : {}),
      }),
    );
  }

  ruleValue(stmt: Statement, rule: Rule, pointer: string): Json | undefined {
    const name = keyText(stmt);
    switch (rule.form) {
      case 'value':
        return this.singleValue(stmt, name, pointer);
      case 'layers':
        this.noArgsOrOptions(stmt, name);
        if (!stmt.block) {
          this.report(diagnostic('missingBlock', { span: keySpan(stmt), args: { statement: name } }));
          return undefined;
        }
        return this.layers(stmt.block, pointer);
      case 'record':
        return this.record(stmt, rule, pointer);
    }
  }

  /** A statement that must carry exactly one value and nothing else. */
  singleValue(stmt: Statement, name: string, pointer: string): Json | undefined {
    this.noOptions(stmt, name);
    if (stmt.block) this.report(diagnostic('unexpectedBlock', { span: stmt.block.span, args: { statement: name } }));
    const [value] = stmt.args;
    if (value === undefined) {
      this.report(diagnostic('missingValue', { span: keySpan(stmt), args: { statement: name } }));
      this.attempted.add(pointer);
      return undefined;
    }
    if (stmt.args.length > 1) {
      this.tooMany(stmt.args, 1, name);
    }
    return valueToJson(value, pointer, this.spans);
  }

  tooMany(args: readonly Value[], expected: number, name: string): void {
    const extra = args.slice(expected);
    if (!isNonEmpty(extra)) return;
    this.report(
      diagnostic('tooManyValues', {
        span: valuesSpan(extra),
        args: {
          statement: name,
          expected: expected === 0 ? 'no values' : expected === 1 ? 'one value' : `${expected} values`,
          actual: String(args.length),
        },
      }),
    );
  }

  noArgsOrOptions(stmt: Statement, name: string): void {
    if (isNonEmpty(stmt.args)) {
      this.report(
        diagnostic('unexpectedArguments', {
          span: valuesSpan(stmt.args),
          args: { statement: name },
        }),
      );
    }
    this.noOptions(stmt, name);
  }

  noOptions(stmt: Statement, name: string): void {
    const [option] = stmt.options;
    if (option) this.report(diagnostic('optionsNotAllowed', { span: option.span, args: { statement: name } }));
  }

  record(stmt: Statement, rule: RecordRule, pointer: string): Json {
    const name = keyText(stmt);
    const [single] = stmt.args;
    if (rule.scalarWhenSingle && single !== undefined && stmt.args.length === 1 && stmt.options.length === 0 && !stmt.block) {
      return valueToJson(single, pointer, this.spans);
    }
    const obj: MutableJsonObject = {};
    const positional = rule.positional ?? [];
    if (stmt.args.length > positional.length) this.tooMany(stmt.args, positional.length, name);
    positional.forEach((field, i) => {
      const arg = stmt.args[i];
      if (arg === undefined) return;
      obj[field] = valueToJson(arg, `${pointer}/${field}`, this.spans);
      this.spans.keys.set(`${pointer}/${field}`, arg.span);
    });
    const allowed = rule.options ?? [];
    for (const option of stmt.options) {
      const optionName = option.name.name;
      if (!allowed.includes(optionName)) {
        this.unknownWord('unknownOption', option.name, allowed, { statement: name }, pointer);
        continue;
      }
      const optionPointer = `${pointer}/${escapePointerPart(optionName)}`;
      if (optionName in obj) {
        const first = this.spans.keys.get(optionPointer);
        this.report(
          diagnostic('duplicateOption', {
            span: option.span,
            args: { name: optionName },
            ...(first ? { related: [{ message: `'${optionName}' is first given here`, span: first }] } : {}),
          }),
        );
        continue;
      }
      obj[optionName] = valueToJson(option.value, optionPointer, this.spans);
      this.spans.keys.set(optionPointer, option.name.span);
    }
    if (stmt.block) {
      if (rule.keys) {
        this.statements(stmt.block.statements, rule.keys, obj, pointer, `'${name}'`);
      } else if (rule.layersField) {
        const layersPointer = `${pointer}/${rule.layersField}`;
        obj[rule.layersField] = this.layers(stmt.block, layersPointer);
        this.spans.values.set(layersPointer, stmt.block.span);
      } else {
        this.report(diagnostic('unexpectedBlock', { span: stmt.block.span, args: { statement: name } }));
      }
    } else if (rule.layersField) {
      this.report(diagnostic('missingBlock', { span: keySpan(stmt), args: { statement: name } }));
    }
    return obj;
  }

  statements(statements: readonly Statement[], table: RuleTable, target: MutableJsonObject, pointer: string, where: string): void {
    for (const stmt of statements) {
      if (stmt.key.length > 1) {
        this.report(diagnostic('dottedKeyNotAllowed', { span: keySpan(stmt), args: { name: keyText(stmt) } }));
        continue;
      }
      const word = stmt.key[0].name;
      const rule = table[word];
      if (!rule) {
        this.unknownWord('unknownKey', stmt.key[0], Object.keys(table), { where }, pointer);
        continue;
      }
      this.statementInto(stmt, word, rule, target, pointer, where);
    }
  }

  layers(block: Block, pointer: string): Json[] {
    const out: Json[] = [];
    this.layersInto(block.statements, pointer, out);
    return out;
  }

  layersInto(statements: readonly Statement[], pointer: string, out: Json[]): void {
    for (const stmt of statements) {
      if (stmt.key.length > 1) {
        this.report(diagnostic('dottedKeyNotAllowed', { span: keySpan(stmt), args: { name: keyText(stmt) } }));
        continue;
      }
      const word = stmt.key[0].name;
      if (word === REPEAT_KEYWORD) {
        this.repeat(stmt, pointer, out);
        continue;
      }
      const layerRule = layerRules[word];
      if (!layerRule) {
        this.unknownWord('unknownLayer', stmt.key[0], [...Object.keys(layerRules), REPEAT_KEYWORD], {});
        continue;
      }
      if (out.length >= MAX_LAYERS_PER_BLOCK) {
        this.report(diagnostic('tooManyLayers', { span: keySpan(stmt), args: { limit: MAX_LAYERS_PER_BLOCK.toLocaleString('en-US') } }));
        return;
      }
      const itemPointer = `${pointer}/${out.length}`;
      const fields = this.record(stmt, { form: 'record', doc: layerRule.doc, positional: layerRule.positional, options: layerRule.options }, itemPointer);
      out.push({ type: word, ...(fields as MutableJsonObject) });
      this.spans.values.set(itemPointer, stmt.span);
      this.spans.keys.set(itemPointer, stmt.key[0].span);
      this.spans.values.set(`${itemPointer}/type`, stmt.key[0].span);
    }
  }

  repeat(stmt: Statement, pointer: string, out: Json[]): void {
    const [count] = stmt.args;
    const { block } = stmt;
    const valid =
      stmt.args.length === 1 &&
      count?.kind === 'Number' &&
      Number.isInteger(count.value) &&
      count.value >= 1 &&
      count.value <= MAX_REPEAT &&
      stmt.options.length === 0 &&
      block !== undefined;
    if (!valid) {
      this.report(diagnostic('invalidRepeat', { span: isNonEmpty(stmt.args) ? valuesSpan(stmt.args) : keySpan(stmt) }));
      return;
    }
    // A mistake inside the block is reported once per repetition with the same
    // span and message; sortAndDedupe in load-spec folds those into one.
    const times = count.value;
    let stoppedEarly = false;
    for (let i = 0; i < times; i++) {
      if (out.length >= MAX_LAYERS_PER_BLOCK) {
        stoppedEarly = true;
        break;
      }
      this.layersInto(block.statements, pointer, out);
    }
    if (stoppedEarly || out.length > MAX_LAYERS_PER_BLOCK) {
      this.report(diagnostic('tooManyLayers', { span: keySpan(stmt), args: { limit: MAX_LAYERS_PER_BLOCK.toLocaleString('en-US') } }));
      out.length = MAX_LAYERS_PER_BLOCK;
    }
  }

  /** `model.attention.beta 0.1` at the top level: sets one value, like the nested sections would. */
  override(stmt: Statement, document: MutableJsonObject): void {
    const parts = stmt.key.map((k) => k.name);
    const lookup = this.lookup(stmt, parts);
    if (!lookup) return;
    let target: MutableJsonObject = document;
    let pointer = '';
    for (const { name, span } of stmt.key.slice(0, -1)) {
      pointer += `/${escapePointerPart(name)}`;
      const next = target[name];
      if (next === undefined) {
        const created: MutableJsonObject = {};
        target[name] = created;
        this.spans.keys.set(pointer, span);
        target = created;
      } else if (isJsonObject(next)) {
        target = next as MutableJsonObject;
      } else {
        this.duplicate(name, span, pointer, 'the file');
        return;
      }
    }
    const last = lastOf(stmt.key).name;
    const fieldPointer = `${pointer}/${escapePointerPart(last)}`;
    if (last in target) {
      this.duplicate(keyText(stmt), keySpan(stmt), fieldPointer, 'the file');
      return;
    }
    const value = this.singleValue(stmt, keyText(stmt), fieldPointer);
    if (value === undefined) return;
    target[last] = value;
    this.spans.keys.set(fieldPointer, keySpan(stmt));
  }

  /** Checks a dotted path against the vocabulary; reports and returns false when it names nothing. */
  lookup(stmt: Statement, parts: readonly string[]): boolean {
    const found = lookupPath(parts);
    if (found.ok) return true;
    const path = keyText(stmt);
    if (found.reason === 'not-a-value') {
      this.report(diagnostic('pathNotAValue', { span: keySpan(stmt), args: { path } }));
      return false;
    }
    const bad = itemAt(stmt.key, found.badIndex, 'the dotted key');
    const suggestion = suggestClosest(bad.name, found.candidates);
    this.report(
      diagnostic('unknownPath', {
        span: bad.span,
        args: { name: bad.name, path },
        ...(suggestion !== undefined ? { suggestion } : {}),
      }),
    );
    return false;
  }

  /** `sweep { model.attention.beta in [0.001, 0.01] ... }` -> document.sweep (see sweep-block.ts). */
  sweep(stmt: Statement, document: MutableJsonObject): void {
    this.noArgsOrOptions(stmt, SWEEP_KEYWORD);
    if ('sweep' in document) {
      this.duplicate(SWEEP_KEYWORD, stmt.key[0].span, '/sweep', 'the file');
      return;
    }
    if (!stmt.block) {
      this.report(diagnostic('missingBlock', { span: keySpan(stmt), args: { statement: SWEEP_KEYWORD } }));
      return;
    }
    this.spans.keys.set('/sweep', stmt.key[0].span);
    this.spans.values.set('/sweep', stmt.span);
    document.sweep = sweepFromBlock(stmt.block, this);
  }
}
