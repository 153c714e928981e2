/**
 * The syntax tree of an .ibspec file: a generic statement tree, with a span on
 * every node. The grammar knows no sections or layer types; what a statement
 * means is decided by `compiler/spec/from-ast.ts`.
 *
 *   statement := key arg* option* block?
 *
 * After error recovery the tree may be partial: nodes that could not be parsed
 * are omitted, and the parser reports why.
 */
import type { Span } from '../diagnostics/diagnostic.js';
import type { NonEmpty } from '../support/checked.js';

export interface SpecFile {
  readonly kind: 'SpecFile';
  readonly file: string;
  readonly statements: readonly Statement[];
  /** Comments with their spans, so the formatter can keep them. */
  readonly comments: readonly Comment[];
  readonly span: Span;
}

export interface Comment {
  readonly kind: 'Comment';
  /** Text after '#', without the line break. */
  readonly text: string;
  readonly span: Span;
}

export interface Identifier {
  readonly kind: 'Identifier';
  readonly name: string;
  readonly span: Span;
}

export interface Statement {
  readonly kind: 'Statement';
  /** One or more identifiers; dotted keys (a.b.c) have several parts. */
  readonly key: NonEmpty<Identifier>;
  readonly args: readonly Value[];
  readonly options: readonly OptionArg[];
  /** Present when the statement has a `{ ... }` block (possibly empty). */
  readonly block?: Block;
  readonly span: Span;
  /**
   * True when a syntax error lies inside this statement (its key, arguments,
   * options, block, or the rest of its line): error recovery may have dropped
   * parts of it, so later stages should not report what seems to be missing
   * from it. Absent when the statement parsed cleanly.
   */
  readonly incomplete?: boolean;
}

export interface Block {
  readonly kind: 'Block';
  readonly statements: readonly Statement[];
  readonly span: Span;
}

export interface OptionArg {
  readonly kind: 'OptionArg';
  readonly name: Identifier;
  readonly value: Value;
  readonly span: Span;
}

export type Value = NumberValue | StringValue | IdentifierValue | BooleanValue | DimsValue | ListValue;

export interface NumberValue {
  readonly kind: 'Number';
  readonly value: number;
  /** The source text, so the formatter can print `5e-4` as written. */
  readonly raw: string;
  readonly span: Span;
}

export interface StringValue {
  readonly kind: 'String';
  /** Unescaped. */
  readonly value: string;
  readonly span: Span;
}

export interface IdentifierValue {
  readonly kind: 'IdentifierValue';
  readonly name: string;
  readonly span: Span;
}

export interface BooleanValue {
  readonly kind: 'Boolean';
  readonly value: boolean;
  readonly span: Span;
}

/** `28x28x1` or `16x16`. */
export interface DimsValue {
  readonly kind: 'Dims';
  readonly values: readonly number[];
  readonly span: Span;
}

export interface ListValue {
  readonly kind: 'List';
  readonly items: readonly Value[];
  readonly span: Span;
}
