import type { StageCatalog } from './types.js';

/**
 * Syntax diagnostics (lexer and parser): codes IB1xxx. Codes are stable: never renumber or reuse one.
 *   IB10xx  bytes and characters (encoding, unknown characters, limits)
 *   IB11xx  tokens (strings, numbers, dimensions)
 *   IB12xx  structure (the parser)
 */
export const syntaxMessages = {
  invalidUtf8: { code: 'IB1001', severity: 'error', template: 'file is not valid UTF-8: invalid byte sequence starting with 0x{byte} at byte offset {offset}' },
  unexpectedCharacter: { code: 'IB1002', severity: 'error', template: "unexpected character {char}{hint}" },
  nestingTooDeep: { code: 'IB1003', severity: 'error', template: "nesting is too deep: more than {limit} levels of '[' and '{'" },
  tooManyErrors: { code: 'IB1004', severity: 'info', template: 'too many syntax errors: stopped reporting after {limit}' },
  strayByteOrderMark: { code: 'IB1006', severity: 'warning', template: 'an invisible byte-order mark (U+FEFF) inside the file, read as a space; delete it (it belongs, if anywhere, at the very start of a file)' },
  parsingStopped: { code: 'IB1005', severity: 'info', template: 'too many syntax errors: parsing stopped at line {line}; fix the errors above and run again' },

  unterminatedString: { code: 'IB1101', severity: 'error', template: 'unterminated string: add a closing \'"\' before the end of the line' },
  invalidEscape: { code: 'IB1102', severity: 'error', template: "unknown escape sequence '{escape}' in a string: the escapes are \\\" \\\\ \\n \\t \\r" },
  malformedNumber: { code: 'IB1103', severity: 'error', template: "malformed number '{text}'{hint}" },
  numberOutOfRange: { code: 'IB1104', severity: 'error', template: "number out of range: '{text}' is too large for a 64-bit float" },
  unquotedPath: { code: 'IB1106', severity: 'error', template: 'paths must be quoted: write {quoted}' },
  dimensionOutOfRange: { code: 'IB1105', severity: 'error', template: "dimension '{text}' in '{dims}' is too large" },

  expectedToken: { code: 'IB1201', severity: 'error', template: 'expected {expected} but found {found}{hint}' },
  unexpectedToken: { code: 'IB1202', severity: 'error', template: 'unexpected {found}{hint}' },
  positionalAfterOption: { code: 'IB1203', severity: 'error', template: "positional argument {value} comes after the named option '{option}': put positional arguments first" },
} as const satisfies StageCatalog;
