/**
 * Turns the concrete syntax tree into the typed AST (ast.ts), with a span on
 * every node. After error recovery the CST may have holes (missing children,
 * tokens inserted by the parser); such parts are left out of the AST, since
 * the parser has already reported why.
 */
import { tokenMatcher, type CstNode, type IToken } from './chevrotain.js';
import type { Block, Comment, Identifier, OptionArg, SpecFile, Statement, Value } from './ast.js';
import type { Diagnostic, Span } from '../diagnostics/diagnostic.js';
import { diagnostic } from '../diagnostics/catalog.js';
import type { LineMap } from './source-text.js';
import type { SpecParser } from './parser.js';
import { BadNumber, False, StringLiteral, True, Dims, NumberLiteral } from './tokens.js';
import { numberValue, tokenEnd, unescapeString } from './lexical-checks.js';
import { isNonEmpty, itemAt, lastOf } from '../support/checked.js';

type Children = Record<string, (CstNode | IToken)[] | undefined>;

type Argument = { readonly kind: 'value'; readonly value: Value } | { readonly kind: 'option'; readonly option: OptionArg };

function nodes(children: Children, name: string): CstNode[] {
  return (children[name] ?? []) as CstNode[];
}

/** Tokens of `name` that really are in the source (not inserted by error recovery). */
function tokens(children: Children, name: string): IToken[] {
  return ((children[name] ?? []) as IToken[]).filter((t) => !t.isInsertedInRecovery && Number.isFinite(t.startOffset));
}

const MAX_SHOWN = 24;

export interface AstContext {
  readonly lines: LineMap;
  /** Where new diagnostics go; those already there are the lexer's and parser's. */
  readonly diagnostics: Diagnostic[];
}

export interface AstBuilder {
  buildFile(cst: CstNode, comments: readonly IToken[]): SpecFile;
}

/**
 * Builds the visitor for a parser instance (Chevrotain derives the visitor's
 * base class from the grammar); the result makes one builder per parse.
 */
export function createAstBuilder(parser: SpecParser): (context: AstContext) => AstBuilder {
  const BaseVisitor = parser.getBaseCstVisitorConstructor();

  class CstToAst extends BaseVisitor implements AstBuilder {
    /** Start offsets of the lexer's and parser's diagnostics, sorted. */
    private readonly errorOffsets: number[];

    constructor(private readonly context: AstContext) {
      super();
      this.validateVisitor();
      this.errorOffsets = context.diagnostics
        .flatMap((d) => (d.span ? [d.span.start.offset] : []))
        .sort((a, b) => a - b);
    }

    private spanOf(start: number, end: number): Span {
      return this.context.lines.span(start, end);
    }

    private tokenSpan(token: IToken): Span {
      return this.spanOf(token.startOffset, tokenEnd(token));
    }

    buildFile(cst: CstNode, comments: readonly IToken[]): SpecFile {
      const statements = this.visit(cst) as Statement[];
      const text = this.context.lines.text;
      return {
        kind: 'SpecFile',
        file: this.context.lines.file,
        statements,
        comments: comments.map(
          (t): Comment => ({ kind: 'Comment', text: t.image.slice(1), span: this.tokenSpan(t) }),
        ),
        span: this.spanOf(0, text.length),
      };
    }

    file(children: Children): Statement[] {
      const list = nodes(children, 'statements')[0];
      return list ? (this.visit(list) as Statement[]) : [];
    }

    statements(children: Children): Statement[] {
      const out: Statement[] = [];
      for (const node of nodes(children, 'statement')) {
        const statement = this.visit(node) as Statement | undefined;
        if (statement) out.push(statement);
      }
      return out;
    }

    statement(children: Children): Statement | undefined {
      const keyNode = nodes(children, 'key')[0];
      const key = keyNode ? (this.visit(keyNode) as Identifier[]) : [];
      if (!isNonEmpty(key)) return undefined;
      const args: Value[] = [];
      const options: OptionArg[] = [];
      let misplaced: readonly [Value, OptionArg] | undefined;
      let end = lastOf(key).span.end.offset;
      for (const node of nodes(children, 'argument')) {
        const arg = this.visit(node) as Argument | undefined;
        if (!arg) continue;
        if (arg.kind === 'option') {
          options.push(arg.option);
          end = Math.max(end, arg.option.span.end.offset);
        } else {
          const lastOption = options.at(-1);
          if (lastOption && !misplaced) misplaced = [arg.value, lastOption];
          args.push(arg.value);
          end = Math.max(end, arg.value.span.end.offset);
        }
      }
      const blockNode = nodes(children, 'block')[0];
      const block = blockNode ? (this.visit(blockNode) as Block | undefined) : undefined;
      if (block) end = Math.max(end, block.span.end.offset);
      const start = key[0].span.start.offset;
      const incomplete = this.hasErrorWithin(start, this.regionEnd(children, end));
      // After another error in this statement, a misplaced argument is most likely that error's echo;
      // one report per statement is enough: the fix (move the positionals first) is the same for all.
      if (misplaced && !incomplete) this.reportPositionalAfterOption(...misplaced);
      return {
        kind: 'Statement',
        key,
        args,
        options,
        ...(block ? { block } : {}),
        span: this.spanOf(start, end),
        ...(incomplete ? { incomplete: true } : {}),
      };
    }

    /**
     * Where a statement's errors can be: up to its terminator (';' or line
     * break) when it has one, else (recovery skipped it) to the end of the line
     * where the statement ends.
     */
    private regionEnd(children: Children, end: number): number {
      const statementEnd = nodes(children, 'statementEnd')[0];
      const terminator = statementEnd
        ? [...tokens(statementEnd.children, 'Newline'), ...tokens(statementEnd.children, 'Semicolon')][0]
        : undefined;
      if (terminator) return terminator.startOffset;
      const lineBreak = this.context.lines.text.indexOf('\n', end);
      return lineBreak === -1 ? this.context.lines.text.length : lineBreak;
    }

    /** Whether a lexer or parser diagnostic starts within [start, end]. */
    private hasErrorWithin(start: number, end: number): boolean {
      const offsets = this.errorOffsets;
      let lo = 0;
      let hi = offsets.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (itemAt(offsets, mid, 'the error offsets') < start) lo = mid + 1;
        else hi = mid;
      }
      const first = offsets[lo];
      return first !== undefined && first <= end;
    }

    private reportPositionalAfterOption(value: Value, option: OptionArg): void {
      const raw = this.context.lines.text.slice(value.span.start.offset, value.span.end.offset);
      const shown = raw.length > MAX_SHOWN ? `${raw.slice(0, MAX_SHOWN)}…` : raw;
      this.context.diagnostics.push(
        diagnostic('positionalAfterOption', {
          span: value.span,
          args: { value: `'${shown}'`, option: option.name.name },
          related: [{ message: `the option '${option.name.name}' is here`, span: option.span }],
        }),
      );
    }

    statementEnd(): undefined {
      return undefined;
    }

    key(children: Children): Identifier[] {
      return tokens(children, 'Identifier')
        .sort((a, b) => a.startOffset - b.startOffset)
        .map((t) => ({ kind: 'Identifier', name: t.image, span: this.tokenSpan(t) }));
    }

    argument(children: Children): Argument | undefined {
      const name = tokens(children, 'Identifier')[0];
      if (name) {
        if ((children.Equals ?? []).length === 0) {
          return { kind: 'value', value: { kind: 'IdentifierValue', name: name.image, span: this.tokenSpan(name) } };
        }
        const valueNode = nodes(children, 'value')[0];
        const value = valueNode ? (this.visit(valueNode) as Value | undefined) : undefined;
        if (!value) return undefined;
        return {
          kind: 'option',
          option: {
            kind: 'OptionArg',
            name: { kind: 'Identifier', name: name.image, span: this.tokenSpan(name) },
            value,
            span: this.spanOf(name.startOffset, value.span.end.offset),
          },
        };
      }
      const literalNode = nodes(children, 'literal')[0];
      const value = literalNode ? (this.visit(literalNode) as Value | undefined) : undefined;
      return value ? { kind: 'value', value } : undefined;
    }

    block(children: Children): Block | undefined {
      const open = tokens(children, 'LBrace')[0];
      if (!open) return undefined;
      const list = nodes(children, 'statements')[0];
      const statements = list ? (this.visit(list) as Statement[]) : [];
      const close = tokens(children, 'RBrace')[0];
      const lastStatement = statements.at(-1);
      const end = close ? tokenEnd(close) : lastStatement ? lastStatement.span.end.offset : tokenEnd(open);
      return { kind: 'Block', statements, span: this.spanOf(open.startOffset, end) };
    }

    value(children: Children): Value | undefined {
      const name = tokens(children, 'Identifier')[0];
      if (name) return { kind: 'IdentifierValue', name: name.image, span: this.tokenSpan(name) };
      const literalNode = nodes(children, 'literal')[0];
      return literalNode ? (this.visit(literalNode) as Value | undefined) : undefined;
    }

    literal(children: Children): Value | undefined {
      const listNode = nodes(children, 'list')[0];
      if (listNode) return this.visit(listNode) as Value | undefined;
      const token = [
        ...tokens(children, 'NumberLiteral'),
        ...tokens(children, 'StringLiteral'),
        ...tokens(children, 'True'),
        ...tokens(children, 'False'),
        ...tokens(children, 'Dims'),
      ][0];
      if (!token) return undefined;
      const span = this.tokenSpan(token);
      if (tokenMatcher(token, NumberLiteral)) {
        const value = token.tokenType === BadNumber ? Number.NaN : numberValue(token.image);
        return { kind: 'Number', value, raw: token.image, span };
      }
      if (tokenMatcher(token, StringLiteral)) return { kind: 'String', value: unescapeString(token.image), span };
      if (token.tokenType === True) return { kind: 'Boolean', value: true, span };
      if (token.tokenType === False) return { kind: 'Boolean', value: false, span };
      if (token.tokenType === Dims) return { kind: 'Dims', values: token.image.split('x').map(Number), span };
      return undefined;
    }

    list(children: Children): Value | undefined {
      const open = tokens(children, 'LBracket')[0];
      if (!open) return undefined;
      const items: Value[] = [];
      for (const node of nodes(children, 'value')) {
        const item = this.visit(node) as Value | undefined;
        if (item) items.push(item);
      }
      items.sort((a, b) => a.span.start.offset - b.span.start.offset);
      const close = tokens(children, 'RBracket')[0];
      const lastItem = items.at(-1);
      const end = close ? tokenEnd(close) : lastItem ? lastItem.span.end.offset : tokenEnd(open);
      return { kind: 'List', items, span: this.spanOf(open.startOffset, end) };
    }
  }

  return (context) => new CstToAst(context);
}
