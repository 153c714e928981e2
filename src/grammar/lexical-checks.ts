/**
 * Checks on single tokens that the lexer accepted but that are still wrong
 * (unterminated strings, unknown escapes, malformed or out-of-range numbers),
 * string unescaping, and the bracket pre-pass that caps nesting depth before
 * the recursive parser sees the tokens.
 */
import type { IToken } from './chevrotain.js';
import type { Diagnostic } from '../diagnostics/diagnostic.js';
import { diagnostic } from '../diagnostics/catalog.js';
import type { LineMap } from './source-text.js';
import { BadNumber, Dims, LBrace, LBracket, NumberToken, RBrace, RBracket, UnquotedPath, UnterminatedString, StringToken } from './tokens.js';

/** Deeper nesting than this is reported instead of parsed (the parser recurses once per level). */
export const MAX_NESTING = 100;

const ESCAPES: Readonly<Record<string, string>> = { '"': '"', '\\': '\\', n: '\n', t: '\t', r: '\r' };

export function tokenEnd(token: IToken): number {
  return token.startOffset + token.image.length;
}

/** The value of a string token's text, quotes removed and escapes applied; unknown escapes keep the character. */
export function unescapeString(image: string): string {
  if (!image.startsWith('"')) return image; // an unquoted path (reported): the text as written
  const body = image.endsWith('"') && image.length >= 2 ? image.slice(1, -1) : image.slice(1);
  return body.replace(/\\(.?)/gsu, (_whole, c: string) => ESCAPES[c] ?? c);
}

/** Number value of a well-formed number token; infinite when out of range. */
export function numberValue(raw: string): number {
  return Number(raw);
}

export function checkTokens(tokens: readonly IToken[], lines: LineMap): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const token of tokens) {
    const type = token.tokenType;
    const start = token.startOffset;
    const end = tokenEnd(token);
    if (type === UnterminatedString) {
      out.push(diagnostic('unterminatedString', { span: lines.span(start, end) }));
    }
    if (type === UnquotedPath) {
      out.push(diagnostic('unquotedPath', { span: lines.span(start, end), args: { quoted: JSON.stringify(token.image) } }));
    }
    if (type === UnterminatedString || type === StringToken) {
      const escape = /\\(.?)/gsu;
      for (let m = escape.exec(token.image); m !== null; m = escape.exec(token.image)) {
        const escaped = m[1] ?? '';
        if (escaped === '' || !(escaped in ESCAPES)) {
          out.push(diagnostic('invalidEscape', { span: lines.span(start + m.index, start + m.index + m[0].length), args: { escape: m[0] } }));
        }
      }
    } else if (type === BadNumber) {
      out.push(diagnostic('malformedNumber', { span: lines.span(start, end), args: { text: token.image, hint: badNumberHint(token.image) } }));
    } else if (type === NumberToken) {
      if (!Number.isFinite(numberValue(token.image))) {
        out.push(diagnostic('numberOutOfRange', { span: lines.span(start, end), args: { text: token.image } }));
      }
    } else if (type === Dims) {
      let offset = start;
      for (const part of token.image.split('x')) {
        if (!Number.isSafeInteger(Number(part))) {
          out.push(diagnostic('dimensionOutOfRange', { span: lines.span(offset, offset + part.length), args: { text: part, dims: token.image } }));
        }
        offset += part.length + 1;
      }
    }
  }
  return out;
}

function badNumberHint(text: string): string {
  if (/^-?\d+(\.\d+)?[eE][+-]?$/.test(text)) return ': the exponent needs digits, e.g. 1e-4';
  if (/^-?\d+\.$/.test(text) || /^-?\d+\.[eE]/.test(text)) return ": a '.' must be followed by digits, e.g. 1.0";
  if (/^-?\d+(\.\d+){2,}/.test(text)) return ": a number has at most one '.'";
  if (/^\d+(x\d+)*x$/.test(text)) return ": dimensions are integers joined by 'x', e.g. 28x28x1";
  if (/^-\d+(x\d+)+$/.test(text)) return ': dimensions cannot be negative';
  if (/^\d+(\.\d+)?(x\d+(\.\d+)?)+$/.test(text)) return ': dimensions must be whole numbers';
  if (/^\d[A-Za-z0-9_]*[A-Za-z_]/.test(text)) return ': names must start with a letter or \'_\'; quote it if it is text';
  return '';
}

export interface NestingResult {
  /** The first opener beyond MAX_NESTING, if any. */
  readonly tooDeep?: IToken;
  /** Openers that are never closed, outermost first. */
  readonly unclosed: readonly IToken[];
}

/** Tracks '[' and '{' depth without recursion, in linear time. */
export function checkNesting(tokens: readonly IToken[]): NestingResult {
  const stack: IToken[] = [];
  const open = { brace: 0, bracket: 0 };
  let tooDeep: IToken | undefined;
  for (const token of tokens) {
    const type = token.tokenType;
    if (type === LBrace || type === LBracket) {
      stack.push(token);
      if (type === LBrace) open.brace++;
      else open.bracket++;
      if (stack.length > MAX_NESTING && tooDeep === undefined) tooDeep = token;
    } else if (type === RBrace || type === RBracket) {
      // pop to the matching opener, if there is one; a stray closer is the parser's to report
      const want = type === RBrace ? LBrace : LBracket;
      if ((want === LBrace ? open.brace : open.bracket) === 0) continue;
      for (;;) {
        const popped = stack.pop()!;
        if (popped.tokenType === LBrace) open.brace--;
        else open.bracket--;
        if (popped.tokenType === want) break;
      }
    }
  }
  return { ...(tooDeep ? { tooDeep } : {}), unclosed: stack };
}
