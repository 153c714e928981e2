/**
 * The syntax stage: bytes or text → SpecFile AST, with every lexer and parser
 * error as a Diagnostic in one pass. Never throws: a crash is reported as an
 * internal error (IB9001).
 */
import type { IToken } from './chevrotain.js';
import type { Diagnostic, Result } from '../diagnostics/diagnostic.js';
import { sortAndDedupe } from '../diagnostics/diagnostic.js';
import { diagnostic } from '../diagnostics/catalog.js';
import type { SpecFile } from './ast.js';
import { createAstBuilder } from './cst-to-ast.js';
import { checkNesting, checkTokens, MAX_NESTING } from './lexical-checks.js';
import { SpecParser } from './parser.js';
import { decodeUtf8, LineMap } from './source-text.js';
import { specLexer } from './tokens.js';
import { parserDiagnostic, tokenSpan, unexpectedCharacter } from './syntax-diagnostics.js';

/** After this many syntax errors the rest are dropped (random bytes would otherwise give thousands). */
export const MAX_SYNTAX_ERRORS = 100;

// One parser instance, reset by each parse (building one runs Chevrotain's grammar analysis).
const parser = new SpecParser();
const newAstBuilder = createAstBuilder(parser);

/** The text a spec's bytes decode to (with U+FFFD for bad bytes), for showing code frames. */
export function specSourceText(source: string | Uint8Array): string {
  return typeof source === 'string' ? source : decodeUtf8(source).text;
}

export function parseSpec(source: string | Uint8Array, file: string): Result<SpecFile> {
  try {
    return parseUnchecked(source, file);
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    return { value: undefined, diagnostics: [diagnostic('internalError', { args: { stage: 'parser', detail } })] };
  }
}

function parseUnchecked(source: string | Uint8Array, file: string): Result<SpecFile> {
  let text: string;
  if (typeof source === 'string') {
    text = source;
  } else {
    const decoded = decodeUtf8(source);
    if (decoded.invalid) {
      const lines = new LineMap(decoded.text.replace(/\r(?!\n)/g, '\n'), file);
      const { byteOffset, byte, textOffset } = decoded.invalid;
      return {
        value: undefined,
        diagnostics: [
          diagnostic('invalidUtf8', {
            span: lines.span(textOffset, textOffset + 1),
            args: { byte: byte.toString(16).toUpperCase().padStart(2, '0'), offset: byteOffset },
          }),
        ],
      };
    }
    text = decoded.text;
  }

  // Classic Mac line endings (a lone CR) end lines too. The replacement keeps every offset, so spans stay true.
  text = text.replace(/\r(?!\n)/g, '\n');
  const lines = new LineMap(text, file);
  const diagnostics: Diagnostic[] = [];
  const lexed = specLexer.tokenize(text);
  for (const item of strayByteOrderMarks(text, lexed.tokens, (lexed.groups.comments ?? []) as IToken[], lines)) diagnostics.push(item);
  // Lexer errors come in source order and only the first MAX_SYNTAX_ERRORS are shown: build no more than that.
  for (const error of lexed.errors.slice(0, MAX_SYNTAX_ERRORS + 1)) {
    diagnostics.push(unexpectedCharacter(text, error.offset, error.length, lines));
  }
  for (const item of checkTokens(lexed.tokens, lines)) diagnostics.push(item);

  const nesting = checkNesting(lexed.tokens);
  if (nesting.tooDeep) {
    diagnostics.push(diagnostic('nestingTooDeep', { span: tokenSpan(nesting.tooDeep, lines), args: { limit: MAX_NESTING } }));
    return { value: undefined, diagnostics: finish(diagnostics) };
  }

  const outcome = parser.parseFile(lexed.tokens);
  // Recovery echoes: a parser error that follows another error on the same line is dropped.
  const firstErrorOnLine = new Map<number, number>();
  const note = (d: Diagnostic) => {
    if (!d.span) return;
    const seen = firstErrorOnLine.get(d.span.start.line);
    if (seen === undefined || d.span.start.offset < seen) firstErrorOnLine.set(d.span.start.line, d.span.start.offset);
  };
  diagnostics.filter((d) => d.code === 'IB1002').forEach(note);
  const context = { lines, tokens: lexed.tokens, unclosed: nesting.unclosed };
  for (const error of parser.errors) {
    const d = parserDiagnostic(error, context);
    const earlier = d.span ? firstErrorOnLine.get(d.span.start.line) : undefined;
    if (earlier !== undefined && earlier <= d.span!.start.offset) continue;
    note(d);
    diagnostics.push(d);
  }

  if (!outcome.cst) {
    const last = parser.errors[parser.errors.length - 1];
    const line = last && Number.isFinite(last.token.startOffset) ? lines.position(last.token.startOffset).line : lines.lineCount;
    diagnostics.push(diagnostic('parsingStopped', { args: { line } }));
    return { value: undefined, diagnostics: finish(diagnostics) };
  }
  const builder = newAstBuilder({ lines, diagnostics });
  const comments = (lexed.groups.comments ?? []) as IToken[];
  const value = builder.buildFile(outcome.cst, comments);
  return { value, diagnostics: finish(diagnostics) };
}

/**
 * A byte-order mark is meaningful only as the first character; elsewhere
 * (files concatenated) it is an invisible character the lexer reads as a
 * space. Those are warned about; one inside a comment or a string is text
 * the user wrote there and is left alone.
 */
function strayByteOrderMarks(text: string, tokens: readonly IToken[], comments: readonly IToken[], lines: LineMap): Diagnostic[] {
  const out: Diagnostic[] = [];
  if (text.indexOf('\uFEFF', 1) < 0) return out;
  const inside = [...tokens, ...comments].filter((t) => text.charCodeAt(t.startOffset) === 0x22 || text.charCodeAt(t.startOffset) === 0x23);
  for (let at = text.indexOf('\uFEFF', 1); at > 0 && out.length < MAX_SYNTAX_ERRORS; at = text.indexOf('\uFEFF', at + 1)) {
    if (inside.some((t) => t.startOffset <= at && at < t.startOffset + t.image.length)) continue;
    out.push(diagnostic('strayByteOrderMark', { span: lines.span(at, at + 1) }));
  }
  return out;
}

function finish(diagnostics: readonly Diagnostic[]): Diagnostic[] {
  const placed = sortAndDedupe(diagnostics.filter((d) => d.span));
  const notes = diagnostics.filter((d) => !d.span); // IB1005 has no place: it goes last
  if (placed.length <= MAX_SYNTAX_ERRORS) return [...placed, ...notes];
  return [...placed.slice(0, MAX_SYNTAX_ERRORS), diagnostic('tooManyErrors', { args: { limit: MAX_SYNTAX_ERRORS } }), ...notes];
}
