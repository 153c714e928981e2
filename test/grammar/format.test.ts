/** The canonical layout: examples, comments, blank lines, and the fixed-point property on a full spec. */
import { describe, expect, test } from 'vitest';
import { parseSpec } from '../../src/grammar/parse.js';
import { formatSpec, quoteString } from '../../src/grammar/format.js';

function format(source: string): string {
  const result = parseSpec(source, 't.ibspec');
  expect(result.diagnostics).toEqual([]);
  return formatSpec(result.value!);
}

function expectFixedPoint(formatted: string): void {
  expect(format(formatted)).toBe(formatted);
}

describe('formatSpec', () => {
  test('one statement per line, two-space indentation, canonical spacing', () => {
    const out = format('model{input   28x28x1;classes 10\n backbone custom {stage s1 { conv 32 kernel = 3 ; relu } }}\n');
    expect(out).toBe(
      [
        'model {',
        '  input 28x28x1',
        '  classes 10',
        '  backbone custom {',
        '    stage s1 {',
        '      conv 32 kernel=3',
        '      relu',
        '    }',
        '  }',
        '}',
        '',
      ].join('\n'),
    );
    expectFixedPoint(out);
  });

  test('values print canonically: numbers as written, lists on one line, strings re-escaped', () => {
    const out = format('x 5e-4 -0.5 007 16x16 [\n 1 ,\n 2\n] "a\\"b\\\\c\\td" true  false name\n');
    expect(out).toBe('x 5e-4 -0.5 007 16x16 [1, 2] "a\\"b\\\\c\\td" true false name\n');
  });

  test('empty blocks print as {}', () => {
    expect(format('a {\n\n}\nb { }\n')).toBe('a {}\nb {}\n');
  });

  test('dotted keys are joined without spaces', () => {
    expect(format('sweep { model . attention.beta in [0.1 , 0.2] }\n')).toBe('sweep {\n  model.attention.beta in [0.1, 0.2]\n}\n');
  });

  test('comments stay where they are: own-line, trailing, after { and after }', () => {
    const source = [
      '# header comment',
      'model {   # the model',
      '     # about input',
      'input 28x28x1     # h, w, c',
      '  classifier { flatten; linear 10 }  # baseline',
      '  # last in block',
      '}   #   end of model',
      '# footer',
    ].join('\n');
    const out = format(source);
    expect(out).toBe(
      [
        '# header comment',
        'model {  # the model',
        '  # about input',
        '  input 28x28x1  # h, w, c',
        '  classifier {',
        '    flatten',
        '    linear 10',
        '  }  # baseline',
        '  # last in block',
        '}  #   end of model',
        '# footer',
        '',
      ].join('\n'),
    );
    expectFixedPoint(out);
  });

  test('a comment inside a multi-line list moves before its statement', () => {
    const out = format('warmup lrs=[0.001,  # first\n  0.01]  # second\n');
    expect(out).toBe('# first\nwarmup lrs=[0.001, 0.01]  # second\n');
    expectFixedPoint(out);
  });

  test('an empty block with comments stays open', () => {
    const out = format('a {  # open\n  # inside\n}  # close\n');
    expect(out).toBe('a {  # open\n  # inside\n}  # close\n');
    expect(format('a {} # after\n')).toBe('a {}  # after\n');
  });

  test('statements split from one line keep the comment on the last one', () => {
    expect(format('a 1; b 2  # on b\n')).toBe('a 1\nb 2  # on b\n');
  });

  test('runs of blank lines become one; none at the start or end of a block or file', () => {
    const out = format('\n\n\na 1\n\n\n\nb {\n\n  c 1\n\n\n  # note\n  d 2\n\n}\n\n\n');
    expect(out).toBe('a 1\n\nb {\n  c 1\n\n  # note\n  d 2\n}\n');
    expectFixedPoint(out);
  });

  test('CRLF input gives LF output; trailing spaces after comments are dropped', () => {
    expect(format('a 1  # c   \r\nb 2\r\n')).toBe('a 1  # c\nb 2\n');
  });

  test('an empty file formats to nothing; comments alone are kept', () => {
    expect(format('')).toBe('');
    expect(format('\n\n')).toBe('');
    expect(format('# a\n\n\n# b\n')).toBe('# a\n\n# b\n');
  });

  test('quoteString escapes what the lexer needs escaped', () => {
    expect(quoteString('say "hi"\\\n\t\r')).toBe('"say \\"hi\\"\\\\\\n\\t\\r"');
  });

  test('the full design example is a fixed point after one pass', () => {
    const source = [
      'extends "fashion-small-base.ibspec"   # optional',
      'name fashion-small-aib',
      '',
      'model {',
      '  input 28x28x1',
      '  backbone custom {',
      '    stage stage1 {',
      '      conv 32 kernel=3',
      '      maxpool 2',
      '    }',
      '  }',
      '  attention at=stage1 {',
      '    std_head kernel=3 offset=-5',
      '    samples train=1 eval=4            # 0 = deterministic mean',
      '    quantize { anchors 20; init linspace low=0 high=1 }',
      '  }',
      '}',
      '',
      'train {',
      '  optimizer sgd lr=0.1 momentum=0.9 nesterov=false weight_decay=5e-4',
      '  schedule multistep milestones=[60,120,160] gamma=0.2',
      '}',
      'sweep {',
      '  model.attention.beta in [0.001, 0.01, 0.1]',
      '}',
    ].join('\n');
    const once = format(source);
    expectFixedPoint(once);
    expect(once).toContain('  schedule multistep milestones=[60, 120, 160] gamma=0.2\n');
    expect(once).toContain('    quantize {\n      anchors 20\n      init linspace low=0 high=1\n    }\n');
  });
});
