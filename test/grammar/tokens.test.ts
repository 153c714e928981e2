/** The lexer: token order, numeric words, comments in their own group. */
import { describe, expect, test } from 'vitest';
import { specLexer } from '../../src/grammar/tokens.js';

function lex(text: string): string[] {
  const result = specLexer.tokenize(text);
  expect(result.errors).toEqual([]);
  return result.tokens.map((t) => `${t.tokenType.name}:${t.image === '\n' ? '\\n' : t.image}`);
}

describe('lexer', () => {
  test('dimensions are one token; names with digits stay names', () => {
    expect(lex('16x16 28x28x1 x1 max x 3x3')).toEqual(['Dims:16x16', 'Dims:28x28x1', 'Identifier:x1', 'Identifier:max', 'Identifier:x', 'Dims:3x3']);
  });

  test('a numeric word is classified whole: number, dims or a malformed number', () => {
    expect(lex('3 -5 0.01 1e-4 1e 3abc 1.2.3 16x 2.5x3 -3x3')).toEqual([
      'Number:3',
      'Number:-5',
      'Number:0.01',
      'Number:1e-4',
      'BadNumber:1e',
      'BadNumber:3abc',
      'BadNumber:1.2.3',
      'BadNumber:16x',
      'BadNumber:2.5x3',
      'BadNumber:-3x3',
    ]);
  });

  test('true and false are keywords only as whole words', () => {
    expect(lex('true false trueish false-y')).toEqual(['True:true', 'False:false', 'Identifier:trueish', 'Identifier:false-y']);
  });

  test('punctuation, newlines and strings', () => {
    expect(lex('a.b=[1,2];{}\n"s\\"t" "open')).toEqual([
      'Identifier:a',
      'Dot:.',
      'Identifier:b',
      'Equals:=',
      'LBracket:[',
      'Number:1',
      'Comma:,',
      'Number:2',
      'RBracket:]',
      'Semicolon:;',
      'LBrace:{',
      'RBrace:}',
      'Newline:\\n',
      'String:"s\\"t"',
      'UnterminatedString:"open',
    ]);
  });

  test('comments are captured apart from the tokens, without the line break or a CR', () => {
    const result = specLexer.tokenize('a 1 # one\r\n# two\n');
    expect(result.tokens.map((t) => t.tokenType.name)).toEqual(['Identifier', 'Number', 'Newline', 'Newline']);
    expect(result.groups.comments?.map((t) => t.image)).toEqual(['# one', '# two']);
  });
});
