import type { syntaxMessages } from '../catalog/syntax.js';
import type { Explanation } from './types.js';

/** Explanations of the syntax diagnostics (IB1xxx). */
export const syntaxExplanations = {
  invalidUtf8: {
    explanation: 'Spec files are UTF-8 text. The file holds a byte sequence that is not valid UTF-8, often because it was saved in Latin-1 or is not a text file at all.',
    example: 'A spec saved by an editor in Windows-1252 with "é" in a comment.',
    fix: 'Save the file as UTF-8 (for example: iconv -f latin1 -t utf-8 old.ibspec > new.ibspec).',
  },
  unexpectedCharacter: {
    explanation: 'The lexer met a character that starts no token of the language: keys and values are words, numbers, quoted strings, dimensions (28x28x1), lists [a, b], blocks { } and options name=value.',
    example: 'model {\n  classes 10;\n}',
    fix: 'Remove the character (here the `;`: statements end at the line break), or quote the value if it is text: path="a;b".',
  },
  nestingTooDeep: {
    explanation: 'Blocks and lists may nest only so deep; deeper nesting is almost always a missing closing bracket, and the limit keeps the parser safe on hostile input.',
    example: 'A generated file with thousands of `[` in a row.',
    fix: 'Close the blocks and lists you open; no real spec needs this many levels.',
  },
  tooManyErrors: {
    explanation: 'After this many syntax errors the parser stops listing more: the later ones are usually consequences of the first.',
    example: 'A binary file passed to ibc check.',
    fix: 'Fix the first errors shown and check again.',
  },
  parsingStopped: {
    explanation: 'Error recovery gave up at this line: the rest of the file was not parsed, so errors after it are not reported yet.',
    example: 'A file whose braces stop matching early on.',
    fix: 'Fix the errors above and run ibc check again.',
  },
  unterminatedString: {
    explanation: 'A string started with `"` but the line ended before the closing quote. Strings cannot span lines.',
    example: 'data cifar10 path="data/cifar-10-batches-bin',
    fix: 'Add the closing quote: path="data/cifar-10-batches-bin".',
  },
  invalidEscape: {
    explanation: 'Inside strings, a backslash starts an escape; only \\" \\\\ \\n \\t \\r exist. Windows paths with single backslashes hit this.',
    example: 'path="C:\\data\\cifar"',
    fix: 'Use forward slashes (path="C:/data/cifar") or double the backslashes.',
  },
  malformedNumber: {
    explanation: 'The text looks like a number but is not one the language reads: numbers are decimal, optionally with a fraction and an exponent (1e-4).',
    example: 'optimizer sgd lr=0.1.5',
    fix: 'Write one number: lr=0.15, or lr=1e-4.',
  },
  numberOutOfRange: {
    explanation: 'The number is too large to be represented as a 64-bit float, so its value would be Infinity.',
    example: 'train {\n  epochs 1e999\n}',
    fix: 'Use a finite number.',
  },
  dimensionOutOfRange: {
    explanation: 'A dimension (as in 28x28x1) must be a whole number small enough to describe a real tensor.',
    example: 'input 99999999999999999999x28x1',
    fix: 'Give the real size, e.g. input 28x28x1.',
  },
  unquotedPath: {
    explanation: 'File and folder paths are strings and must be quoted; unquoted, their `/`, `.` and `-` would be read as other tokens. ibc reports the whole path once and reads it as the string it was meant to be.',
    example: 'data cifar10 path=data/cifar-10-batches-bin',
    fix: 'Quote it: path="data/cifar-10-batches-bin".',
  },
  expectedToken: {
    explanation: 'The parser expected one kind of token here (a closing brace, a value after `=`, a key) and found another. The hint says what would have fit.',
    example: 'model {\n  classes 10\n',
    fix: 'Add what is expected at the position shown (here the closing `}`).',
  },
  unexpectedToken: {
    explanation: 'This token cannot appear here. A common cause is an unquoted path: paths and other text with `/`, `.` or `-` must be quoted.',
    example: 'data cifar10 path=data/cifar-10-batches-bin',
    fix: 'Quote the value: path="data/cifar-10-batches-bin".',
  },
  positionalAfterOption: {
    explanation: 'A statement is `key positional... name=value... { block }`: positional values come first, named options after them.',
    example: 'conv kernel=3 64',
    fix: 'Put the positional value first: conv 64 kernel=3.',
  },
  strayByteOrderMark: {
    explanation: 'A byte-order mark (U+FEFF) is invisible in most editors. At the very start of a file it is harmless; inside the file, often from pasting text together, it is read as a space and reported so that it does not hide in the text.',
    example: 'Two specs concatenated with `cat a.ibspec b.ibspec`, the second starting with a BOM.',
    fix: 'Delete the character (most editors can show invisible characters), or save the file without a BOM.',
  },
} as const satisfies Record<keyof typeof syntaxMessages, Explanation>;
