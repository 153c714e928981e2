/**
 * The canonical layout of a spec (`ibc fmt`):
 *   - one statement per line, 2-space indentation per block level;
 *   - `key args options {` ... `}`, an empty block as `key {}`;
 *   - lists on one line as `[a, b]`, numbers as written, strings re-escaped;
 *   - comments kept: a comment after code stays at the end of that code's
 *     line (`code  # comment`), a comment on its own line stays on its own line
 *     before the statement that follows it; a comment inside a multi-line
 *     list moves to its own line before the statement;
 *   - runs of blank lines between statements become one blank line; no blank
 *     line opens or closes a block or the file.
 * Only files that parse without errors should be formatted. The layout is a
 * fixed point: formatting formatted text changes nothing.
 */
import type { Block, Comment, SpecFile, Statement, Value } from './ast.js';

const INDENT = '  ';

interface CommentPlacement {
  /** Comments printed on their own lines before a statement. */
  readonly leading: Map<Statement, Comment[]>;
  /** Comments printed on their own lines at the end of a block (or the file, under key `undefined`). */
  readonly closing: Map<Block | undefined, Comment[]>;
  /** Comments at the end of a block-less statement's line. */
  readonly afterStatement: Map<Statement, Comment>;
  /** Comments at the end of a block's `{` line. */
  readonly afterOpen: Map<Block, Comment>;
  /** Comments at the end of a block's `}` line. */
  readonly afterClose: Map<Block, Comment>;
}

export function formatSpec(file: SpecFile): string {
  const placement = placeComments(file);
  const out: string[] = [];
  printContainer(file.statements, undefined, 0, placement, out);
  return out.length === 0 ? '' : `${out.join('\n')}\n`;
}

export function formatValue(value: Value): string {
  switch (value.kind) {
    case 'Number':
      return value.raw;
    case 'String':
      return quoteString(value.value);
    case 'IdentifierValue':
      return value.name;
    case 'Boolean':
      return value.value ? 'true' : 'false';
    case 'Dims':
      return value.values.join('x');
    case 'List':
      return `[${value.items.map(formatValue).join(', ')}]`;
  }
}

const ESCAPED: Readonly<Record<string, string>> = { '"': '\\"', '\\': '\\\\', '\n': '\\n', '\t': '\\t', '\r': '\\r' };

export function quoteString(text: string): string {
  return `"${text.replace(/["\\\n\t\r]/g, (c) => ESCAPED[c] ?? c)}"`;
}

function commentText(comment: Comment): string {
  return `#${comment.text.trimEnd()}`;
}

function printContainer(
  statements: readonly Statement[],
  block: Block | undefined,
  depth: number,
  placement: CommentPlacement,
  out: string[],
): void {
  const indent = INDENT.repeat(depth);
  let previousEnd: number | undefined;
  const separate = (line: number) => {
    if (previousEnd !== undefined && line - previousEnd >= 2) out.push('');
  };
  const printComment = (comment: Comment) => {
    separate(comment.span.start.line);
    out.push(`${indent}${commentText(comment)}`);
    previousEnd = comment.span.end.line;
  };
  for (const statement of statements) {
    for (const comment of placement.leading.get(statement) ?? []) printComment(comment);
    separate(statement.span.start.line);
    printStatement(statement, depth, placement, out);
    previousEnd = statement.span.end.line;
  }
  for (const comment of placement.closing.get(block) ?? []) printComment(comment);
}

function trailing(comment: Comment | undefined): string {
  return comment ? `  ${commentText(comment)}` : '';
}

function printStatement(statement: Statement, depth: number, placement: CommentPlacement, out: string[]): void {
  const indent = INDENT.repeat(depth);
  const parts = [statement.key.map((k) => k.name).join('.')];
  for (const arg of statement.args) parts.push(formatValue(arg));
  for (const option of statement.options) parts.push(`${option.name.name}=${formatValue(option.value)}`);
  const head = `${indent}${parts.join(' ')}`;
  const block = statement.block;
  if (!block) {
    out.push(`${head}${trailing(placement.afterStatement.get(statement))}`);
    return;
  }
  const open = placement.afterOpen.get(block);
  const close = placement.afterClose.get(block);
  const inner = placement.closing.get(block) ?? [];
  if (block.statements.length === 0 && !open && inner.length === 0) {
    out.push(`${head} {}${trailing(close)}`);
    return;
  }
  out.push(`${head} {${trailing(open)}`);
  printContainer(block.statements, block, depth + 1, placement, out);
  out.push(`${indent}}${trailing(close)}`);
}

interface Anchor {
  /** Offset of the last source character of the code that ends the output line. */
  readonly offset: number;
  readonly line: number;
  readonly attach: (placement: CommentPlacement, comment: Comment) => void;
}

function collectAnchors(statements: readonly Statement[], anchors: Anchor[]): void {
  for (const statement of statements) {
    const block = statement.block;
    if (!block) {
      anchors.push({
        offset: statement.span.end.offset - 1,
        line: statement.span.end.line,
        attach: (p, c) => p.afterStatement.set(statement, c),
      });
      continue;
    }
    anchors.push({ offset: block.span.start.offset, line: block.span.start.line, attach: (p, c) => p.afterOpen.set(block, c) });
    anchors.push({ offset: block.span.end.offset - 1, line: block.span.end.line, attach: (p, c) => p.afterClose.set(block, c) });
    collectAnchors(block.statements, anchors);
  }
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

function contains(block: Block, offset: number): boolean {
  return block.span.start.offset < offset && offset < block.span.end.offset;
}

/** A comment with no code before it on its line goes before the next statement of its block (or inside the statement it interrupts). */
function placeOnOwnLine(comment: Comment, statements: readonly Statement[], block: Block | undefined, placement: CommentPlacement): void {
  const offset = comment.span.start.offset;
  for (const statement of statements) {
    const start = statement.span.start.offset;
    const end = statement.span.end.offset;
    if (offset < start) {
      push(placement.leading, statement, comment);
      return;
    }
    if (offset < end) {
      if (statement.block && contains(statement.block, offset)) {
        placeOnOwnLine(comment, statement.block.statements, statement.block, placement);
      } else {
        push(placement.leading, statement, comment);
      }
      return;
    }
  }
  push(placement.closing, block, comment);
}

function placeComments(file: SpecFile): CommentPlacement {
  const placement: CommentPlacement = {
    leading: new Map(),
    closing: new Map(),
    afterStatement: new Map(),
    afterOpen: new Map(),
    afterClose: new Map(),
  };
  const anchors: Anchor[] = [];
  collectAnchors(file.statements, anchors);
  const byLine = new Map<number, Anchor[]>();
  for (const anchor of anchors) push(byLine, anchor.line, anchor);
  const comments = [...file.comments].sort((a, b) => a.span.start.offset - b.span.start.offset);
  for (const comment of comments) {
    const offset = comment.span.start.offset;
    let best: Anchor | undefined;
    for (const anchor of byLine.get(comment.span.start.line) ?? []) {
      if (anchor.offset < offset && (!best || anchor.offset > best.offset)) best = anchor;
    }
    if (best) best.attach(placement, comment);
    else placeOnOwnLine(comment, file.statements, undefined, placement);
  }
  return placement;
}
