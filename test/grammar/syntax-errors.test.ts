/**
 * Golden tests for syntax errors: each mistake gives exactly these diagnostics
 * (code, start line:col - end line:col, message), written as
 * `IB1201 2:5-2:6 message [related ...]`. All errors come from one parse.
 */
import { describe, expect, test } from 'vitest';
import { parseSpec } from '../../src/grammar/parse.js';
import { describeAll } from '../fixtures/grammar.js';

interface Case {
  readonly name: string;
  readonly source: string;
  readonly expected: readonly string[];
}

const cases: readonly Case[] = [
  {
    name: "unterminated string",
    source: "data idx {\n  train images=\"/data/train.gz labels=\"x\"\n}\n",
    expected: [
      "IB1101 2:41-2:42 unterminated string: add a closing '\"' before the end of the line",
    ],
  },
  {
    name: "unterminated string at end of file",
    source: "name \"abc",
    expected: [
      "IB1101 1:6-1:10 unterminated string: add a closing '\"' before the end of the line",
    ],
  },
  {
    name: "missing closing brace",
    source: "model {\n  input 28x28x1\n  classes 10\n",
    expected: [
      "IB1201 3:13-3:13 expected '}' to close the block but found end of file [related 1:7-1:8 this '{' is never closed]",
    ],
  },
  {
    name: "stray = in a setting",
    source: "train {\n  epochs = 3\n}\n",
    expected: [
      "IB1201 2:10-2:11 expected end of line or ';' after the statement but found '='; a setting is written 'key value' without '=', and options as name=value after the key",
    ],
  },
  {
    name: "bad number 1e",
    source: "train {\n  lr_scale 1e\n}\n",
    expected: [
      "IB1103 2:12-2:14 malformed number '1e': the exponent needs digits, e.g. 1e-4",
    ],
  },
  {
    name: "malformed number 1.2.3",
    source: "beta 1.2.3\n",
    expected: [
      "IB1103 1:6-1:11 malformed number '1.2.3': a number has at most one '.'",
    ],
  },
  {
    name: "number starting a name",
    source: "stage 2nd {\n}\n",
    expected: [
      "IB1103 1:7-1:10 malformed number '2nd': names must start with a letter or '_'; quote it if it is text",
    ],
  },
  {
    name: "unexpected ]",
    source: "classes 10]\n",
    expected: [
      "IB1201 1:11-1:12 expected end of line or ';' after the statement but found ']'; there is no '[' to close",
    ],
  },
  {
    name: "unexpected } at top level",
    source: "model {\n  classes 10\n}\n}\n",
    expected: [
      "IB1202 4:1-4:2 unexpected '}' with no matching '{'",
    ],
  },
  {
    name: "option without value",
    source: "conv 32 kernel=\n",
    expected: [
      "IB1201 1:16-1:17 expected a value after '=' but found end of line",
    ],
  },
  {
    name: "option without value before }",
    source: "model { conv 32 kernel= }\n",
    expected: [
      "IB1201 1:25-1:26 expected a value after '=' but found '}'",
    ],
  },
  {
    name: "==",
    source: "conv 32 kernel==3\n",
    expected: [
      "IB1201 1:16-1:17 expected a value after '=' but found '='; '==' is not an operator: options are written name=value",
    ],
  },
  {
    name: "unclosed list",
    source: "warmup lrs=[0.001, 0.01\nseed 1\n",
    expected: [
      "IB1201 2:1-2:5 expected ',' or ']' in the list but found 'seed' [related 1:12-1:13 the list started here]",
    ],
  },
  {
    name: "unclosed list at end of file",
    source: "warmup lrs=[0.001,\n  0.01",
    expected: [
      "IB1201 2:7-2:7 expected ',' or ']' in the list but found end of file [related 1:12-1:13 this '[' is never closed]",
    ],
  },
  {
    name: "missing comma in list",
    source: "milestones [60 120]\n",
    expected: [
      "IB1201 1:16-1:19 expected ',' or ']' in the list but found '120'",
    ],
  },
  {
    name: "trailing comma in list",
    source: "milestones [60, 120,]\n",
    expected: [
      "IB1201 1:21-1:22 expected a value after ',' but found ']'; a list cannot end with ','",
    ],
  },
  {
    name: "odd character",
    source: "beta 0.01 @\n",
    expected: [
      "IB1002 1:11-1:12 unexpected character '@'",
    ],
  },
  {
    name: "single quotes",
    source: "name 'abc'\n",
    expected: [
      "IB1002 1:6-1:7 unexpected character ''': strings use double quotes, \"like this\"",
      "IB1002 1:10-1:11 unexpected character ''': strings use double quotes, \"like this\"",
    ],
  },
  {
    name: "colon",
    source: "epochs: 3\n",
    expected: [
      "IB1002 1:7-1:8 unexpected character ':': write 'key value', without ':'",
    ],
  },
  {
    name: "tab then error",
    source: "\tconv\t32\tkernel=@\n",
    expected: [
      "IB1002 1:17-1:18 unexpected character '@'",
    ],
  },
  {
    name: "brace on its own line",
    source: "model\n{\n  classes 10\n}\n",
    expected: [
      "IB1201 2:1-2:2 expected a statement but found '{'; a block's '{' must be on the same line as its statement",
    ],
  },
  {
    name: "number out of range",
    source: "lr 1e999\n",
    expected: [
      "IB1104 1:4-1:9 number out of range: '1e999' is too large for a 64-bit float",
    ],
  },
  {
    name: "negative out of range",
    source: "lr -1e400\n",
    expected: [
      "IB1104 1:4-1:10 number out of range: '-1e400' is too large for a 64-bit float",
    ],
  },
  {
    name: "huge dimension",
    source: "input 99999999999999999999x2\n",
    expected: [
      "IB1105 1:7-1:27 dimension '99999999999999999999' in '99999999999999999999x2' is too large",
    ],
  },
  {
    name: "unknown escape",
    source: "name \"a\\qb\"\n",
    expected: [
      "IB1102 1:8-1:10 unknown escape sequence '\\q' in a string: the escapes are \\\" \\\\ \\n \\t \\r",
    ],
  },
  {
    name: "positional after option",
    source: "conv kernel=3 32\n",
    expected: [
      "IB1203 1:15-1:17 positional argument '32' comes after the named option 'kernel': put positional arguments first [related 1:6-1:14 the option 'kernel' is here]",
    ],
  },
  {
    name: "dot without name",
    source: "model.attention. 3\n",
    expected: [
      "IB1201 1:18-1:19 expected a name after '.' but found '3'",
    ],
  },
  {
    name: "statement starting with a number",
    source: "3 conv\n",
    expected: [
      "IB1201 1:1-1:2 expected a statement but found '3'",
    ],
  },
  {
    name: "statement starting with a string",
    source: "\"x\" 3\n",
    expected: [
      "IB1201 1:1-1:4 expected a statement but found \"x\"",
    ],
  },
  {
    name: "several errors in one pass",
    source: "model {\n  classes = 10\n  input 28x28x\n  beta 1e\n}\n}\n",
    expected: [
      "IB1201 2:11-2:12 expected end of line or ';' after the statement but found '='; a setting is written 'key value' without '=', and options as name=value after the key",
      "IB1103 3:9-3:15 malformed number '28x28x': dimensions are integers joined by 'x', e.g. 28x28x1",
      "IB1103 4:8-4:10 malformed number '1e': the exponent needs digits, e.g. 1e-4",
      "IB1202 6:1-6:2 unexpected '}' with no matching '{'",
    ],
  },
  {
    name: "number without a leading digit as an option value",
    source: "optimizer sgd lr=.5\n",
    expected: [
      "IB1201 1:18-1:19 expected a value after '=' but found '.'; a number starts with a digit: write 0.5",
    ],
  },
  {
    name: "number without a leading digit as an argument",
    source: "beta .01\n",
    expected: [
      "IB1201 1:7-1:9 expected a name after '.' but found '01'; a number starts with a digit: write 0.01",
    ],
  },
  {
    name: "number without a leading digit in a list",
    source: "mean [.5]\n",
    expected: [
      "IB1201 1:7-1:8 expected a value or ']' but found '.'; a number starts with a digit, e.g. 0.5",
    ],
  },
  {
    name: "unquoted file name",
    source: "extends base.ibspec\n",
    expected: [
      "IB1201 1:13-1:14 expected end of line or ';' after the statement but found '.'; a value with a '.' in it must be quoted, e.g. \"base.ibspec\"",
    ],
  },
  {
    name: "unquoted path: one error for the whole path",
    source: "data folder train=data/train\n",
    expected: [
      "IB1106 1:19-1:29 paths must be quoted: write \"data/train\"",
    ],
  },
  {
    name: "unquoted absolute path with dots and dashes: still one error",
    source: "data idx {\n  train images=/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz labels=\"l\"\n}\n",
    expected: [
      "IB1106 2:16-2:76 paths must be quoted: write \"/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz\"",
    ],
  },
  {
    name: "curly quotes pasted from a document",
    source: "extends \u201Cbase.ibspec\u201D\n",
    expected: [
      "IB1002 1:9-1:10 unexpected character '\u201C': use straight double quotes (\") around strings",
      "IB1002 1:21-1:22 unexpected character '\u201D': use straight double quotes (\") around strings",
    ],
  },
  {
    name: "non-ASCII letter in a name",
    source: "name caf\u00e9\n",
    expected: [
      "IB1002 1:9-1:10 unexpected character '\u00e9': names use ASCII letters, digits, '_' and '-'; put other text in a string",
    ],
  },
  {
    name: "control character",
    source: "a \u0007 b\n",
    expected: [
      "IB1002 1:3-1:4 unexpected character U+0007",
    ],
  },
  {
    name: "dims with fraction",
    source: "input 2.5x3\n",
    expected: [
      "IB1103 1:7-1:12 malformed number '2.5x3': dimensions must be whole numbers",
    ],
  },
];

describe('syntax errors', () => {
  test.each(cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const result = parseSpec(c.source, 'e.ibspec');
    expect(describeAll(result.diagnostics)).toEqual(c.expected);
    // a partial tree is still returned, so later stages can keep reporting
    expect(result.value).toBeDefined();
  });

  test('bytes that are not UTF-8 are reported at the first bad byte', () => {
    const bytes = new Uint8Array([0x61, 0x0a, 0x62, 0x20, 0xff, 0x0a]);
    const result = parseSpec(bytes, 'e.ibspec');
    expect(describeAll(result.diagnostics)).toEqual([
      'IB1001 2:3-2:4 file is not valid UTF-8: invalid byte sequence starting with 0xFF at byte offset 4',
    ]);
    expect(result.value).toBeUndefined();
  });

  test('a truncated multi-byte sequence is reported where it starts', () => {
    const bytes = new Uint8Array([0x61, 0x20, 0x22, 0xc3, 0x28, 0x22, 0x0a]);
    expect(describeAll(parseSpec(bytes, 'e.ibspec').diagnostics)).toEqual([
      'IB1001 1:4-1:5 file is not valid UTF-8: invalid byte sequence starting with 0xC3 at byte offset 3',
    ]);
  });

  test('valid UTF-8 bytes parse like the same text; columns count code points', () => {
    const result = parseSpec(new TextEncoder().encode('name "h\u00e9llo \u{1F600}" @\n'), 'e.ibspec');
    expect(describeAll(result.diagnostics)).toEqual(["IB1002 1:16-1:17 unexpected character '@'"]);
  });

  test('a crash inside the parser becomes an internal-error diagnostic, never an exception', () => {
    // @ts-expect-error -- deliberately not text: a crash inside the parser must come back as a diagnostic
    const result = parseSpec(null, 'e.ibspec');
    expect(result.value).toBeUndefined();
    expect(result.diagnostics.map((d) => d.code)).toEqual(['IB9001']);
    expect(result.diagnostics[0]?.message).toMatch(/^internal error in parser: .*This is a bug in ibc/);
  });

  test('deep nesting is reported, not a stack overflow', () => {
    for (const open of ['[', '{', 'a {']) {
      const result = parseSpec(`x ${open.repeat(10_000)}`, 'e.ibspec');
      expect(result.diagnostics.map((d) => d.code)).toContain('IB1003');
    }
  });

  test('random garbage stops after a bounded number of errors', () => {
    const result = parseSpec('@ '.repeat(5000), 'e.ibspec');
    expect(result.diagnostics.length).toBe(101);
    expect(result.diagnostics[100]?.code).toBe('IB1004');
  });

  test('a long run of parser errors stops the parse quickly, with a note saying where', () => {
    const result = parseSpec('a = '.repeat(50_000), 'e.ibspec');
    expect(result.value).toBeUndefined();
    const codes = result.diagnostics.map((d) => d.code);
    expect(codes[0]).toBe('IB1201');
    expect(codes[codes.length - 1]).toBe('IB1005');
    expect(result.diagnostics.at(-1)?.message).toBe(
      'too many syntax errors: parsing stopped at line 1; fix the errors above and run again',
    );
  });

  test('pathological bracket soup is linear', () => {
    const result = parseSpec('{ ] = , ; '.repeat(20_000), 'e.ibspec');
    expect(result.diagnostics.map((d) => d.code)).toEqual(['IB1003']);
  });

  test('positional arguments after an option are reported once per statement', () => {
    const result = parseSpec('conv kernel=3 32 64 128\n', 'e.ibspec');
    expect(describeAll(result.diagnostics)).toEqual([
      "IB1203 1:15-1:17 positional argument '32' comes after the named option 'kernel': put positional arguments first [related 1:6-1:14 the option 'kernel' is here]",
    ]);
  });

  test('an empty file and a file of comments parse without diagnostics', () => {
    for (const source of ['', '\n\n', '# only a comment', '\uFEFF# with a byte-order mark\r\n']) {
      const result = parseSpec(source, 'e.ibspec');
      expect(result.diagnostics).toEqual([]);
      expect(result.value?.statements).toEqual([]);
    }
  });
});
