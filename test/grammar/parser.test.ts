/** The parser on each construct of the surface syntax: the AST it builds and the spans it records. */
import { describe, expect, test } from 'vitest';
import { parseSpec } from '../../src/grammar/parse.js';
import type { SpecFile, Statement, Value } from '../../src/grammar/ast.js';
import { withoutSpans } from '../fixtures/grammar.js';
import { present } from '../fixtures/present.js';

function parseOk(source: string): SpecFile {
  const result = parseSpec(source, 't.ibspec');
  expect(result.diagnostics).toEqual([]);
  if (!result.value) throw new Error('no tree');
  return result.value;
}

function firstArgs(source: string): Value[] {
  return withoutSpans([...present(parseOk(source).statements[0], 'a statement').args]);
}

const num = (raw: string, value = Number(raw)) => ({ kind: 'Number', value, raw });
const id = (name: string) => ({ kind: 'IdentifierValue', name });
const key = (...names: string[]) => names.map((name) => ({ kind: 'Identifier', name }));

describe('values', () => {
  test('numbers: integers, negatives, decimals, exponents', () => {
    expect(firstArgs('x 3 -5 0.01 1e-4 5e-4 2E+3 -1.5e2 007\n')).toEqual([
      num('3'),
      num('-5'),
      num('0.01'),
      num('1e-4'),
      num('5e-4'),
      num('2E+3'),
      num('-1.5e2'),
      num('007', 7),
    ]);
  });

  test('dimensions versus identifiers: 16x16 and 28x28x1 are dims; x1, max, x are names', () => {
    expect(firstArgs('x 16x16 28x28x1 x1 max x 1x1\n')).toEqual([
      { kind: 'Dims', values: [16, 16] },
      { kind: 'Dims', values: [28, 28, 1] },
      id('x1'),
      id('max'),
      id('x'),
      { kind: 'Dims', values: [1, 1] },
    ]);
  });

  test('strings with escapes', () => {
    expect(firstArgs('x "plain" "a \\"quoted\\" word" "back\\\\slash" "tab\\tnew\\nline\\r" ""\n')).toEqual([
      { kind: 'String', value: 'plain' },
      { kind: 'String', value: 'a "quoted" word' },
      { kind: 'String', value: 'back\\slash' },
      { kind: 'String', value: 'tab\tnew\nline\r' },
      { kind: 'String', value: '' },
    ]);
  });

  test('identifiers with dashes and underscores; true and false; names that start with true', () => {
    expect(firstArgs('x fashion-small-aib _private vgg16_bn true false trueish false_\n')).toEqual([
      id('fashion-small-aib'),
      id('_private'),
      id('vgg16_bn'),
      { kind: 'Boolean', value: true },
      { kind: 'Boolean', value: false },
      id('trueish'),
      id('false_'),
    ]);
  });

  test('lists: empty, nested, mixed, with newlines inside', () => {
    expect(firstArgs('x [] [1, 2] [[1, 2], [a]] ["s", 3x3, true]\n')).toEqual([
      { kind: 'List', items: [] },
      { kind: 'List', items: [num('1'), num('2')] },
      {
        kind: 'List',
        items: [
          { kind: 'List', items: [num('1'), num('2')] },
          { kind: 'List', items: [id('a')] },
        ],
      },
      { kind: 'List', items: [{ kind: 'String', value: 's' }, { kind: 'Dims', values: [3, 3] }, { kind: 'Boolean', value: true }] },
    ]);
    expect(firstArgs('x [\n  1,\n  2\n  ,\n  3\n]\n')).toEqual([{ kind: 'List', items: [num('1'), num('2'), num('3')] }]);
  });
});

describe('statements', () => {
  test('key, positional arguments, then options', () => {
    const [s] = withoutSpans(parseOk('optimizer sgd lr=0.1 nesterov=false milestones=[60, 120]\n').statements);
    expect(s).toEqual({
      kind: 'Statement',
      key: key('optimizer'),
      args: [id('sgd')],
      options: [
        { kind: 'OptionArg', name: { kind: 'Identifier', name: 'lr' }, value: num('0.1') },
        { kind: 'OptionArg', name: { kind: 'Identifier', name: 'nesterov' }, value: { kind: 'Boolean', value: false } },
        {
          kind: 'OptionArg',
          name: { kind: 'Identifier', name: 'milestones' },
          value: { kind: 'List', items: [num('60'), num('120')] },
        },
      ],
    });
  });

  test('options may have spaces around =', () => {
    const s = present(parseOk('conv 32 kernel = 3\n').statements[0]);
    expect(s.options.map((o) => o.name.name)).toEqual(['kernel']);
  });

  test('dotted keys', () => {
    const s = present(parseOk('model.attention.beta in [0.001, 0.01]\n').statements[0]);
    expect(withoutSpans(s.key)).toEqual(key('model', 'attention', 'beta'));
    expect(withoutSpans(s.args)).toEqual([id('in'), { kind: 'List', items: [num('0.001'), num('0.01')] }]);
  });

  test('extends and name are ordinary statements', () => {
    const file = parseOk('extends "base.ibspec"\nname fashion-small\n');
    expect(withoutSpans(file.statements).map((s: Statement) => [s.key[0].name, s.args])).toEqual([
      ['extends', [{ kind: 'String', value: 'base.ibspec' }]],
      ['name', [id('fashion-small')]],
    ]);
  });

  test("newlines and ';' end statements; blank lines and extra ';' are fine", () => {
    const file = parseOk('\n\na 1; b 2\n\n;;c\n;\n');
    expect(file.statements.map((s) => s.key[0].name)).toEqual(['a', 'b', 'c']);
  });

  test('the last statement may end at end of file or before }', () => {
    expect(parseOk('a 1').statements).toHaveLength(1);
    const [s] = parseOk('classifier { flatten; linear 10 }').statements;
    expect(s?.block?.statements.map((x) => x.key[0].name)).toEqual(['flatten', 'linear']);
  });

  test('blocks: empty, one-line, multi-line, nested', () => {
    const file = parseOk('a {}\nb { }\nc {\n}\nmodel {\n  backbone custom {\n    stage s1 {\n      conv 32 kernel=3\n    }\n  }\n}\n');
    expect(file.statements.map((s) => s.block?.statements.length)).toEqual([0, 0, 0, 1]);
    const stage = present(file.statements[3]?.block?.statements[0]?.block?.statements[0], 'the stage statement');
    expect(withoutSpans(stage.key)).toEqual(key('stage'));
    expect(withoutSpans(stage.args)).toEqual([id('s1')]);
    expect(stage.block?.statements[0]?.key[0].name).toBe('conv');
  });

  test('a statement with arguments and a block', () => {
    const [s] = parseOk('attention at=stage2 { beta 0.01 }\n').statements;
    expect(s?.options[0]?.name.name).toBe('at');
    expect(s?.block?.statements[0]?.key[0].name).toBe('beta');
  });

  test('CRLF line endings and a byte-order mark', () => {
    const file = parseOk('\uFEFFa 1\r\nb {\r\n  c 2\r\n}\r\n');
    expect(file.statements.map((s) => s.key[0].name)).toEqual(['a', 'b']);
    expect(file.statements[1]?.block?.statements[0]?.span.start).toMatchObject({ line: 3, column: 3 });
  });
});

describe('comments', () => {
  test('comments are kept apart from statements, with their text after #', () => {
    const file = parseOk('# head\na 1  # trailing\nb { # open\n  # inside\n} #close');
    expect(file.statements.map((s) => s.key[0].name)).toEqual(['a', 'b']);
    expect(file.comments.map((c) => c.text)).toEqual([' head', ' trailing', ' open', ' inside', 'close']);
    expect(file.comments[1]?.span.start).toMatchObject({ line: 2, column: 6 });
  });

  test('# inside a string is not a comment', () => {
    const file = parseOk('name "a # b"\n');
    expect(file.comments).toEqual([]);
    expect(withoutSpans(file.statements[0]?.args)).toEqual([{ kind: 'String', value: 'a # b' }]);
  });
});

describe('spans', () => {
  test('every node has a 1-based span with offsets', () => {
    const file = parseOk('model {\n  conv 32 kernel=3\n}\n');
    const model = present(file.statements[0], 'the model statement');
    expect(model.span).toEqual({
      file: 't.ibspec',
      start: { offset: 0, line: 1, column: 1 },
      end: { offset: 28, line: 3, column: 2 },
    });
    expect(model.block?.span.start).toEqual({ offset: 6, line: 1, column: 7 });
    const conv = present(model.block?.statements[0], 'the conv statement');
    const [filters] = conv.args;
    const [kernel] = conv.options;
    expect([conv.span.start.column, conv.span.end.column]).toEqual([3, 19]);
    expect([filters?.span.start.column, filters?.span.end.column]).toEqual([8, 10]);
    expect([kernel?.span.start.column, kernel?.span.end.column]).toEqual([11, 19]);
    expect([kernel?.value.span.start.column, kernel?.value.span.end.column]).toEqual([18, 19]);
    expect(file.span.end.offset).toBe(29);
  });

  test('a list spanning lines has a multi-line span', () => {
    const [s] = parseOk('w lrs=[1,\n  2]\n').statements;
    expect(s?.options[0]?.value.span.start).toMatchObject({ line: 1, column: 7 });
    expect(s?.options[0]?.value.span.end).toMatchObject({ line: 2, column: 5 });
  });
});

describe('statements with syntax errors', () => {
  test('are marked incomplete, so later stages do not report their missing parts', () => {
    const result = parseSpec('train { epochs = 3 }\nseed 1; batch = 2\nlr 0.1\n', 't.ibspec');
    const statements = present(result.value, 'a partial tree').statements;
    expect(statements).toHaveLength(4);
    const [train, seed, batch, lr] = statements;
    expect(train?.incomplete).toBe(true);
    expect(train?.block?.statements[0]?.incomplete).toBe(true);
    expect(seed?.incomplete).toBeUndefined();
    expect(batch?.incomplete).toBe(true);
    expect(lr?.incomplete).toBeUndefined();
  });

  test('a bad token inside a statement marks it too', () => {
    const result = parseSpec('conv 32 kernel=3x\nrelu\n', 't.ibspec');
    expect(result.value!.statements.map((s) => s.incomplete)).toEqual([true, undefined]);
  });

  test('clean statements carry no flag at all', () => {
    const s = present(parseOk('conv 32 kernel=3\n').statements[0]);
    expect('incomplete' in s).toBe(false);
  });
});

describe('robustness', () => {
  test('a very long file parses', () => {
    const source = 'train {\n' + '  epochs 3\n'.repeat(5_000) + '}\n';
    const result = parseSpec(source, 't.ibspec');
    expect(result.diagnostics).toEqual([]);
    expect(result.value?.statements[0]?.block?.statements).toHaveLength(5_000);
  });

  test('nesting up to the limit is fine', () => {
    const source = `x ${'['.repeat(100)}${']'.repeat(100)}\n`;
    expect(parseSpec(source, 't.ibspec').diagnostics).toEqual([]);
  });

  test('out-of-range numbers keep their raw text', () => {
    const result = parseSpec('lr 1e999\n', 't.ibspec');
    expect(result.diagnostics.map((d) => d.code)).toEqual(['IB1104']);
    expect(withoutSpans(result.value?.statements[0]?.args[0])).toMatchObject({ kind: 'Number', raw: '1e999' });
  });
});
