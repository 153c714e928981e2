/**
 * The one place where parser error messages are written. Chevrotain calls
 * this provider when it builds an exception; the "message" we hand back is a
 * small JSON record naming the catalog entry and its arguments, which
 * `parse.ts` turns into a Diagnostic (code, message, span). This keeps every
 * parser message in the syntax catalog.
 */
import { EOF, tokenMatcher, type IParserErrorMessageProvider, type IToken, type TokenType } from './chevrotain.js';
import type { MessageName } from '../diagnostics/catalog.js';
import {
  Comma,
  Dot,
  Equals,
  LBrace,
  LBracket,
  Newline,
  NumberLiteral,
  RBrace,
  RBracket,
  StringLiteral,
} from './tokens.js';
import { itemAt } from '../support/checked.js';

export interface EncodedSyntaxError {
  readonly name: MessageName;
  readonly args: Readonly<Record<string, string>>;
}

function encode(name: MessageName, args: Record<string, string>): string {
  return JSON.stringify({ name, args } satisfies EncodedSyntaxError);
}

/** Reads back what the provider produced; undefined for a message Chevrotain wrote itself. */
export function decodeSyntaxError(message: string): EncodedSyntaxError | undefined {
  if (!message.startsWith('{')) return undefined;
  try {
    const parsed = JSON.parse(message) as EncodedSyntaxError;
    return typeof parsed.name === 'string' && typeof parsed.args === 'object' ? parsed : undefined;
  } catch {
    return undefined;
  }
}

const MAX_SHOWN = 24;

/** How a token is named in a message: "end of line", "'}'", "'conv'", "\"abc\"". */
export function describeToken(token: IToken): string {
  if (token.tokenType === EOF) return 'end of file';
  if (token.tokenType === Newline) return 'end of line';
  const image = token.image.length > MAX_SHOWN ? `${token.image.slice(0, MAX_SHOWN)}…` : token.image;
  if (tokenMatcher(token, StringLiteral)) return image;
  return `'${image}'`;
}

function is(token: IToken | undefined, type: TokenType): token is IToken {
  return token !== undefined && token.tokenType !== undefined && tokenMatcher(token, type);
}

/** A hint appended to "expected X but found Y" when the found token suggests a common mistake. */
function hintFor(actual: IToken, previous: IToken | undefined, ruleName: string): string {
  const adjacentAfterDot = previous !== undefined && is(previous, Dot) && actual.startOffset === previous.startOffset + 1;
  if (is(actual, NumberLiteral) && adjacentAfterDot && !actual.image.startsWith('-'))
    return `; a number starts with a digit: write 0.${actual.image}`;
  if (is(actual, Dot) && (ruleName === 'value' || ruleName === 'literal' || ruleName === 'list'))
    return '; a number starts with a digit, e.g. 0.5';
  if (is(actual, Dot) && ruleName === 'statementEnd') return '; a value with a \'.\' in it must be quoted, e.g. "base.ibspec"';
  if (is(actual, Equals) && is(previous, Equals)) return "; '==' is not an operator: options are written name=value";
  if (is(actual, Equals) && ruleName === 'statementEnd')
    return "; a setting is written 'key value' without '=', and options as name=value after the key";
  if (is(actual, RBracket) && is(previous, Comma)) return "; a list cannot end with ','";
  if (is(actual, RBracket) && (ruleName === 'statementEnd' || ruleName === 'file')) return "; there is no '[' to close";
  if (is(actual, LBrace)) return "; a block's '{' must be on the same line as its statement";
  return '';
}

function valueContext(previous: IToken | undefined): string {
  if (is(previous, Equals)) return "a value after '='";
  if (is(previous, Comma)) return "a value after ','";
  if (is(previous, LBracket)) return "a value or ']'";
  return 'a value';
}

function expectedFor(expected: TokenType | undefined, actual: IToken, previous: IToken | undefined, ruleName: string): string {
  switch (ruleName) {
    case 'value':
    case 'literal':
      return valueContext(previous);
    case 'statementEnd':
      return "end of line or ';' after the statement";
    case 'key':
      return "a name after '.'";
    case 'list':
      return is(previous, LBracket) ? "a value or ']'" : is(previous, Comma) ? "a value after ','" : "',' or ']' in the list";
    case 'block':
      if (expected === RBrace) return actual.tokenType === EOF ? "'}' to close the block" : "a statement or '}'";
      break;
    default:
      break;
  }
  if (expected !== undefined) return expected.LABEL ?? expected.name;
  return 'a statement';
}

function previousOrUndefined(previous: IToken | undefined): IToken | undefined {
  // Chevrotain passes a placeholder token with no type when nothing was consumed yet.
  return previous && previous.tokenType ? previous : undefined;
}

export const syntaxErrorMessages: IParserErrorMessageProvider = {
  buildMismatchTokenMessage({ expected, actual, previous, ruleName }) {
    const prev = previousOrUndefined(previous);
    return encode('expectedToken', {
      expected: expectedFor(expected, actual, prev, ruleName),
      found: describeToken(actual),
      hint: hintFor(actual, prev, ruleName),
    });
  },
  buildNotAllInputParsedMessage({ firstRedundant }) {
    if (is(firstRedundant, RBrace)) return encode('unexpectedToken', { found: "'}'", hint: " with no matching '{'" });
    if (is(firstRedundant, RBracket)) return encode('unexpectedToken', { found: "']'", hint: " with no matching '['" });
    return encode('expectedToken', {
      expected: 'a statement',
      found: describeToken(firstRedundant),
      hint: hintFor(firstRedundant, undefined, 'file'),
    });
  },
  buildNoViableAltMessage({ actual, previous, ruleName }) {
    const first = itemAt(actual, 0, 'the lookahead tokens');
    const second = actual[1];
    const prev = previousOrUndefined(previous);
    const leadingDot =
      is(first, Dot) && is(second, NumberLiteral) && second.startOffset === first.startOffset + 1 && !second.image.startsWith('-');
    return encode('expectedToken', {
      expected: expectedFor(undefined, first, prev, ruleName),
      found: describeToken(first),
      hint: leadingDot ? `; a number starts with a digit: write 0.${second.image}` : hintFor(first, prev, ruleName),
    });
  },
  buildEarlyExitMessage({ actual, previous, ruleName }) {
    const first = itemAt(actual, 0, 'the lookahead tokens');
    const prev = previousOrUndefined(previous);
    return encode('expectedToken', {
      expected: expectedFor(undefined, first, prev, ruleName),
      found: describeToken(first),
      hint: hintFor(first, prev, ruleName),
    });
  },
};
