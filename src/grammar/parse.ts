/**
 * The syntax stage: bytes or text → SpecFile AST, with every lexer and parser
 * error as a Diagnostic in one pass. Never throws: a crash is reported as an
 * internal error (IB9001).
 */
import { EOF, type IRecognitionException, type IToken } from 'chevrotain';
import type { Diagnostic, RelatedInformation, Result, Span } from '../diagnostics/diagnostic.js';
import { sortAndDedupe } from '../diagnostics/diagnostic.js';
import { diagnostic } from '../diagnostics/catalog.js';
import type { SpecFile } from './ast.js';
import { createAstBuilder } from './cst-to-ast.js';
import { decodeSyntaxError } from './error-messages.js';
import { checkNesting, checkTokens, MAX_NESTING, tokenEnd } from './lexical-checks.js';
import { SpecParser } from './parser.js';
import { decodeUtf8, LineMap } from './source-text.js';
import { LBrace, LBracket, Newline, RBracket, specLexer } from './tokens.js';

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
      const lines = new LineMap(decoded.text, file);
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

  const lines = new LineMap(text, file);
  const diagnostics: Diagnostic[] = [];
  const lexed = specLexer.tokenize(text);
  // Lexer errors come in source order and only the first MAX_SYNTAX_ERRORS are shown: build no more than that.
  for (const error of lexed.errors.slice(0, MAX_SYNTAX_ERRORS + 1)) {
    diagnostics.push(unexpectedCharacter(text, error.offset, error.length, lines));
  }
  diagnostics.push(...checkTokens(lexed.tokens, lines));

  const nesting = checkNesting(lexed.tokens);
  if (nesting.tooDeep) {
    diagnostics.push(diagnostic('nestingTooDeep', { span: tokenSpan(nesting.tooDeep, lines), args: { limit: MAX_NESTING } }));
    return { value: undefined, diagnostics: finish(diagnostics) };
  }

  const outcome = parser.parseFile(lexed.tokens);
  // Recovery echoes: after a lexer or parser error, further parser errors on the same line are dropped.
  const linesWithErrors = new Set(diagnostics.filter((d) => d.code === 'IB1002').map((d) => d.span?.start.line ?? 0));
  for (const error of parser.errors) {
    const d = parserDiagnostic(error, lastTokenEnd(lexed.tokens), lines, nesting.unclosed, lexed.tokens);
    const line = d.span?.start.line ?? 0;
    if (linesWithErrors.has(line)) continue;
    linesWithErrors.add(line);
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

function finish(diagnostics: readonly Diagnostic[]): Diagnostic[] {
  const placed = sortAndDedupe(diagnostics.filter((d) => d.span));
  const notes = diagnostics.filter((d) => !d.span); // IB1005 has no place: it goes last
  if (placed.length <= MAX_SYNTAX_ERRORS) return [...placed, ...notes];
  return [...placed.slice(0, MAX_SYNTAX_ERRORS), diagnostic('tooManyErrors', { args: { limit: MAX_SYNTAX_ERRORS } }), ...notes];
}

function tokenSpan(token: IToken, lines: LineMap): Span {
  return lines.span(token.startOffset, tokenEnd(token));
}

const CHARACTER_HINTS: Readonly<Record<string, string>> = {
  "'": ': strings use double quotes, "like this"',
  ':': ": write 'key value', without ':'",
  '-': ": a '-' must be followed by a digit (names cannot start with '-')",
  '(': ': parentheses are not part of the language; lists use [a, b]',
  ')': ': parentheses are not part of the language; lists use [a, b]',
  '\\': ': a backslash can only appear inside a string',
};

function unexpectedCharacter(text: string, offset: number, length: number, lines: LineMap): Diagnostic {
  const cp = text.codePointAt(offset) ?? 0;
  const ch = String.fromCodePoint(cp);
  const printable = cp >= 0x20 && cp !== 0x7f && !(cp >= 0x80 && cp <= 0x9f) && cp !== 0xfffd;
  const shown = printable ? `'${ch}'` : `U+${cp.toString(16).toUpperCase().padStart(4, '0')}`;
  return diagnostic('unexpectedCharacter', {
    span: lines.span(offset, offset + Math.max(1, length)),
    args: { char: shown, hint: CHARACTER_HINTS[ch] ?? '' },
  });
}

function isRealToken(token: IToken | undefined): token is IToken {
  return token !== undefined && token.tokenType !== undefined && token.tokenType !== EOF && Number.isFinite(token.startOffset);
}

function parserDiagnostic(
  error: IRecognitionException,
  endOfInput: number,
  lines: LineMap,
  unclosed: readonly IToken[],
  tokens: readonly IToken[],
): Diagnostic {
  const token = error.token;
  let span: Span;
  const atEnd = !isRealToken(token);
  if (!atEnd && token.tokenType === Newline) {
    // point just past the end of the line, on that line (the '\n' itself is invisible)
    const start = lines.position(token.startOffset);
    span = { file: lines.file, start, end: { offset: start.offset + 1, line: start.line, column: start.column + 1 } };
  } else if (!atEnd) {
    span = tokenSpan(token, lines);
  } else {
    span = lines.span(endOfInput, endOfInput);
  }
  const encoded = decodeSyntaxError(error.message);
  const related = openerNote(error, atEnd, unclosed, tokens, lines);
  if (!encoded) {
    return diagnostic('expectedToken', { span, args: { expected: 'something else', found: error.message, hint: '' } });
  }
  return diagnostic(encoded.name, { span, args: encoded.args, ...(related ? { related } : {}) });
}

/**
 * A note pointing at the bracket whose contents the error is in: at end of
 * file, the innermost bracket never closed; inside a list that runs onto
 * a later line, the list's '['.
 */
function openerNote(
  error: IRecognitionException,
  atEnd: boolean,
  unclosed: readonly IToken[],
  tokens: readonly IToken[],
  lines: LineMap,
): RelatedInformation[] | undefined {
  if (atEnd) {
    const opener = unclosed[unclosed.length - 1];
    if (!opener) return undefined;
    return [{ message: `this '${opener.tokenType === LBrace ? '{' : '['}' is never closed`, span: tokenSpan(opener, lines) }];
  }
  const rules = error.context?.ruleStack ?? [];
  if (rules[rules.length - 1] !== 'list') return undefined;
  const opener = innermostOpenBracket(tokens, error.token.startOffset);
  if (!opener || lines.position(opener.startOffset).line === lines.position(error.token.startOffset).line) return undefined;
  return [{ message: "the list started here", span: tokenSpan(opener, lines) }];
}

/** The innermost '[' still open just before `offset`. */
function innermostOpenBracket(tokens: readonly IToken[], offset: number): IToken | undefined {
  const stack: IToken[] = [];
  for (const token of tokens) {
    if (token.startOffset >= offset) break;
    if (token.tokenType === LBracket) stack.push(token);
    else if (token.tokenType === RBracket) stack.pop();
  }
  return stack[stack.length - 1];
}

/** Where "end of file" errors point: just after the last token that is not a line break. */
function lastTokenEnd(tokens: readonly IToken[]): number {
  for (let i = tokens.length - 1; i >= 0; i--) if (tokens[i].tokenType !== Newline) return tokenEnd(tokens[i]);
  return 0;
}
