/**
 * The tokens of the .ibspec language, in matching order (the lexer tries them
 * first to last and takes the first match, except where `longer_alt` says a
 * longer identifier wins over `true`/`false`).
 *
 * Numbers and dimensions share one "numeric word": a maximal run of
 * [A-Za-z0-9_.+-] that starts with a digit (or '-' then a digit). The word is
 * then classified as a whole: `16x16` is Dims, `5e-4` is a Number, and
 * anything else (`1e`, `3abc`, `1.2.3`) is one BadNumber token, so that the
 * error names the whole word instead of splitting it into `1` and `e`.
 * Identifiers start with a letter or '_', so `x1` and `max` stay identifiers.
 *
 * NEWLINE is a real token because newlines end statements. Comments go to a
 * token group, out of the parser's way, but the formatter keeps them.
 */
import { createToken, Lexer, type TokenType, type CustomPatternMatcherReturn } from './chevrotain.js';

const NUMERIC_WORD_CHAR = /[A-Za-z0-9_.+-]/;
const DIMS_RE = /^\d+(?:x\d+)+$/;
const NUMBER_RE = /^-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?$/;

function isDigit(c: string | undefined): boolean {
  return c !== undefined && c >= '0' && c <= '9';
}

/** The numeric word starting at `offset`, or undefined when none starts there. */
function numericWord(text: string, offset: number): string | undefined {
  const first = text[offset];
  if (!(isDigit(first) || (first === '-' && isDigit(text[offset + 1])))) return undefined;
  let end = offset + 1;
  while (end < text.length && NUMERIC_WORD_CHAR.test(text.charAt(end))) end++;
  return text.slice(offset, end);
}

function wordMatcher(accept: (word: string) => boolean) {
  return (text: string, offset: number): CustomPatternMatcherReturn | null => {
    const word = numericWord(text, offset);
    return word !== undefined && accept(word) ? [word] : null;
  };
}

const NUMERIC_START = ['-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];

export const WhiteSpace = createToken({ name: 'WhiteSpace', pattern: /[ \t\r\uFEFF]+/, group: Lexer.SKIPPED });
export const Comment = createToken({ name: 'Comment', pattern: /#[^\r\n]*/, group: 'comments', label: 'a comment' });
export const Newline = createToken({ name: 'Newline', pattern: /\n/, line_breaks: true, label: 'end of line' });

/** Abstract category: complete and unterminated strings (the latter is reported, then parsed as a string). */
export const StringLiteral = createToken({ name: 'StringLiteral', pattern: Lexer.NA, label: 'a string' });
export const StringToken = createToken({
  name: 'String',
  pattern: /"(?:[^"\\\r\n]|\\[^\r\n])*"/,
  categories: [StringLiteral],
  label: 'a string',
});
export const UnterminatedString = createToken({
  name: 'UnterminatedString',
  pattern: /"(?:[^"\\\r\n]|\\[^\r\n]?)*/,
  categories: [StringLiteral],
  label: 'a string',
});

/** Characters of an unquoted path: what a file name usually holds, and the separators. */
const PATH_CHAR = /[A-Za-z0-9_.~+\-/\\:]/;

/**
 * A path written without quotes (`path=data/cifar`): any run of path
 * characters that holds a '/', which nothing else in the language uses. It is
 * reported once (IB1106, "paths must be quoted") and then read as the string
 * it was meant to be, so it causes no other errors.
 */
export const UnquotedPath = createToken({
  name: 'UnquotedPath',
  pattern: {
    exec: (text: string, offset: number): CustomPatternMatcherReturn | null => {
      let end = offset;
      while (end < text.length && PATH_CHAR.test(text[end]!)) end++;
      const word = text.slice(offset, end);
      return word.includes('/') ? [word] : null;
    },
  },
  line_breaks: false,
  categories: [StringLiteral],
  label: 'a string',
});

export const Dims = createToken({
  name: 'Dims',
  pattern: { exec: wordMatcher((w) => DIMS_RE.test(w)) },
  line_breaks: false,
  start_chars_hint: NUMERIC_START.filter((c) => c !== '-'),
  label: 'dimensions',
});
/** Abstract category: well-formed and malformed numbers (the latter is reported, then parsed as a number). */
export const NumberLiteral = createToken({ name: 'NumberLiteral', pattern: Lexer.NA, label: 'a number' });
export const NumberToken = createToken({
  name: 'Number',
  pattern: { exec: wordMatcher((w) => NUMBER_RE.test(w)) },
  line_breaks: false,
  start_chars_hint: NUMERIC_START,
  categories: [NumberLiteral],
  label: 'a number',
});
export const BadNumber = createToken({
  name: 'BadNumber',
  pattern: { exec: wordMatcher((w) => !DIMS_RE.test(w) && !NUMBER_RE.test(w)) },
  line_breaks: false,
  start_chars_hint: NUMERIC_START,
  categories: [NumberLiteral],
  label: 'a number',
});

export const Identifier = createToken({ name: 'Identifier', pattern: /[A-Za-z_][A-Za-z0-9_-]*/, label: 'a name' });
export const True = createToken({ name: 'True', pattern: /true/, longer_alt: Identifier, label: "'true'" });
export const False = createToken({ name: 'False', pattern: /false/, longer_alt: Identifier, label: "'false'" });

export const Equals = createToken({ name: 'Equals', pattern: /=/, label: "'='" });
export const Dot = createToken({ name: 'Dot', pattern: /\./, label: "'.'" });
export const Comma = createToken({ name: 'Comma', pattern: /,/, label: "','" });
export const Semicolon = createToken({ name: 'Semicolon', pattern: /;/, label: "';'" });
export const LBrace = createToken({ name: 'LBrace', pattern: /\{/, label: "'{'" });
export const RBrace = createToken({ name: 'RBrace', pattern: /\}/, label: "'}'" });
export const LBracket = createToken({ name: 'LBracket', pattern: /\[/, label: "'['" });
export const RBracket = createToken({ name: 'RBracket', pattern: /\]/, label: "']'" });

/** Matching order. */
export const allTokens: readonly TokenType[] = [
  WhiteSpace,
  Comment,
  Newline,
  StringLiteral,
  StringToken,
  UnterminatedString,
  UnquotedPath,
  Dims,
  NumberLiteral,
  NumberToken,
  BadNumber,
  True,
  False,
  Identifier,
  Equals,
  Dot,
  Comma,
  Semicolon,
  LBrace,
  RBrace,
  LBracket,
  RBracket,
];

export const DIMS_PATTERN = DIMS_RE;
export const NUMBER_PATTERN = NUMBER_RE;

/**
 * The lexer. Positions: offsets only; lines and columns are computed from the
 * offsets by LineMap, with code-point columns.
 */
export const specLexer = new Lexer(allTokens as TokenType[], {
  positionTracking: 'onlyOffset',
  ensureOptimizations: false,
});
