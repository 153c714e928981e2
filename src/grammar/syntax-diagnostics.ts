/**
 * Lexer and parser errors as Diagnostics: where they point (a line break is
 * shown just past the end of its line; "end of file" just after the last
 * token), their catalog entry (chosen by the message provider), and a note
 * pointing at an unclosed bracket when that explains the error.
 */
import { EOF, type IRecognitionException, type IToken } from './chevrotain.js';
import type { Diagnostic, RelatedInformation, Span } from '../diagnostics/diagnostic.js';
import { diagnostic } from '../diagnostics/catalog.js';
import { decodeSyntaxError, describeToken } from './error-messages.js';
import { tokenEnd } from './lexical-checks.js';
import type { LineMap } from './source-text.js';
import { LBrace, LBracket, Newline, RBracket } from './tokens.js';

export function tokenSpan(token: IToken, lines: LineMap): Span {
  return lines.span(token.startOffset, tokenEnd(token));
}

const CHARACTER_HINTS: Readonly<Record<string, string>> = {
  "'": ': strings use double quotes, "like this"',
  ':': ": write 'key value', without ':'",
  '-': ": a '-' must be followed by a digit (names cannot start with '-')",
  '(': ': parentheses are not part of the language; lists use [a, b]',
  ')': ': parentheses are not part of the language; lists use [a, b]',
  '\\': ': a backslash can only appear inside a string',
  '\u201C': ': use straight double quotes (") around strings',
  '\u201D': ': use straight double quotes (") around strings',
  '\u2018': ': use straight double quotes (") around strings',
  '\u2019': ': use straight double quotes (") around strings',
};

const NON_ASCII_HINT = ": names use ASCII letters, digits, '_' and '-'; put other text in a string";

/** A lexer error: characters that start no token. */
export function unexpectedCharacter(text: string, offset: number, length: number, lines: LineMap): Diagnostic {
  const cp = text.codePointAt(offset) ?? 0;
  const ch = String.fromCodePoint(cp);
  const printable = cp >= 0x20 && cp !== 0x7f && !(cp >= 0x80 && cp <= 0x9f) && cp !== 0xfffd;
  const shown = printable ? `'${ch}'` : `U+${cp.toString(16).toUpperCase().padStart(4, '0')}`;
  return diagnostic('unexpectedCharacter', {
    span: lines.span(offset, offset + Math.max(1, length)),
    args: { char: shown, hint: CHARACTER_HINTS[ch] ?? (printable && cp > 0x7f ? NON_ASCII_HINT : '') },
  });
}

function isRealToken(token: IToken | undefined): token is IToken {
  return token !== undefined && token.tokenType !== undefined && token.tokenType !== EOF && Number.isFinite(token.startOffset);
}

export interface ParserErrorContext {
  readonly lines: LineMap;
  readonly tokens: readonly IToken[];
  /** Brackets never closed, outermost first. */
  readonly unclosed: readonly IToken[];
}

/** A parser (Chevrotain recognition) error. */
export function parserDiagnostic(error: IRecognitionException, context: ParserErrorContext): Diagnostic {
  const { lines } = context;
  const token = error.token;
  const atEnd = !isRealToken(token);
  let span: Span;
  if (atEnd) {
    const end = lastTokenEnd(context.tokens);
    span = lines.span(end, end);
  } else if (token.tokenType === Newline) {
    // point just past the end of the line, on that line (the '\n' itself is invisible)
    const start = lines.position(token.startOffset);
    span = { file: lines.file, start, end: { offset: start.offset + 1, line: start.line, column: start.column + 1 } };
  } else {
    span = tokenSpan(token, lines);
  }
  const encoded = decodeSyntaxError(error.message);
  if (!encoded) {
    // every message comes from our provider; this keeps an unexpected one readable all the same
    return diagnostic('unexpectedToken', { span, args: { found: describeToken(token), hint: '' } });
  }
  const related = openerNote(error, atEnd, context);
  return diagnostic(encoded.name, { span, args: encoded.args, ...(related ? { related } : {}) });
}

/**
 * A note pointing at the bracket whose contents the error is in: at end of
 * file, the innermost bracket never closed; inside a list that runs onto
 * a later line, the list's '['.
 */
function openerNote(error: IRecognitionException, atEnd: boolean, context: ParserErrorContext): RelatedInformation[] | undefined {
  const { lines } = context;
  if (atEnd) {
    const opener = context.unclosed[context.unclosed.length - 1];
    if (!opener) return undefined;
    return [{ message: `this '${opener.tokenType === LBrace ? '{' : '['}' is never closed`, span: tokenSpan(opener, lines) }];
  }
  const rules = error.context?.ruleStack ?? [];
  if (rules[rules.length - 1] !== 'list') return undefined;
  const opener = innermostOpenBracket(context.tokens, error.token.startOffset);
  if (!opener || lines.position(opener.startOffset).line === lines.position(error.token.startOffset).line) return undefined;
  return [{ message: 'the list started here', span: tokenSpan(opener, lines) }];
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
  for (let i = tokens.length - 1; i >= 0; i--) {
    const token = tokens[i];
    if (token !== undefined && token.tokenType !== Newline) return tokenEnd(token);
  }
  return 0;
}
