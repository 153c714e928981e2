/** "Did you mean": distance, thresholds and tie-breaking. */
import { describe, expect, test } from 'vitest';
import { damerauLevenshtein, maxDistance, suggestClosest } from '../../src/diagnostics/suggest.js';

describe('damerauLevenshtein', () => {
  test('insertions, deletions, substitutions and adjacent swaps cost one each', () => {
    expect(damerauLevenshtein('relu', 'relu')).toBe(0);
    expect(damerauLevenshtein('relu', 'reluu')).toBe(1);
    expect(damerauLevenshtein('relu', 'rel')).toBe(1);
    expect(damerauLevenshtein('relu', 'gelu')).toBe(1);
    expect(damerauLevenshtein('reul', 'relu')).toBe(1);
    expect(damerauLevenshtein('', 'abc')).toBe(3);
    expect(damerauLevenshtein('kitten', 'sitting')).toBe(3);
    expect(damerauLevenshtein('ca', 'abc')).toBe(3); // optimal string alignment: no edit of a swapped pair
  });

  test('is symmetric', () => {
    for (const [a, b] of [['batchnorm', 'bachtnorm'], ['x', 'yx'], ['optimizer', 'optimiser']] as const) {
      expect(damerauLevenshtein(a, b)).toBe(damerauLevenshtein(b, a));
    }
  });
});

describe('suggestClosest', () => {
  const layers = ['conv', 'batchnorm', 'relu', 'gelu', 'elu', 'maxpool', 'avgpool', 'linear', 'flatten', 'dropout'];

  test('finds the intended word for common slips', () => {
    expect(suggestClosest('reul', layers)).toBe('relu');
    expect(suggestClosest('batchnrom', layers)).toBe('batchnorm');
    expect(suggestClosest('lineer', layers)).toBe('linear');
    expect(suggestClosest('optimiser', ['optimizer', 'schedule', 'epochs'])).toBe('optimizer');
    expect(suggestClosest('maxpol', layers)).toBe('maxpool');
  });

  test('ignores case when measuring and prefers the exact case on ties', () => {
    expect(suggestClosest('CONV', layers)).toBe('conv');
    expect(suggestClosest('Conv', ['CONV', 'conv', 'Conv'])).toBe('Conv');
    expect(suggestClosest('conv', ['CONV', 'conv'])).toBe('conv');
  });

  test('on equal distance the earlier candidate wins', () => {
    expect(suggestClosest('xelu', ['relu', 'gelu'])).toBe('relu');
    expect(suggestClosest('xelu', ['gelu', 'relu'])).toBe('gelu');
  });

  test('returns undefined when nothing is close', () => {
    expect(suggestClosest('transformer', layers)).toBeUndefined();
    expect(suggestClosest('q', ['x', 'y'])).toBeUndefined();
    expect(suggestClosest('abc', [])).toBeUndefined();
    expect(suggestClosest('', layers)).toBeUndefined();
  });

  test('the allowed distance grows with the length of the word', () => {
    expect([1, 2, 3, 5, 6, 9, 12].map(maxDistance)).toEqual([0, 1, 1, 1, 2, 3, 4]);
    expect(suggestClosest('lr', ['lo'])).toBe('lo');
    expect(suggestClosest('wieght_decay', ['weight_decay'])).toBe('weight_decay');
    expect(suggestClosest('wight_dekay', ['weight_decay'])).toBe('weight_decay');
    expect(suggestClosest('bta', ['beta'])).toBe('beta');
    expect(suggestClosest('bt', ['beta'])).toBeUndefined();
  });
});
