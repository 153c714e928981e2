/** Every stage reports in the same run: syntax, document, schema and semantic errors together. */
import { describe, expect, it } from 'vitest';
import { BASE_SPEC, briefs, mutate } from '../../fixtures/spec-text.js';

describe('all diagnostics in one pass', () => {
  it('reports syntax, document, schema and semantic errors of one file together, in source order', () => {
    let text = mutate('classes 10', 'classes 10 =');
    text = mutate('kernel=3\n      relu\n      maxpool', 'kernal=3\n      relu\n      maxpool', text);
    text = mutate('beta 0.01', 'beta -0.01', text);
    text = mutate('at=stage1', 'at=stag1', text);
    expect(briefs(text)).toEqual([
      "IB1201 4:14-4:15 expected end of line or ';' after the statement but found '='; a setting is written 'key value' without '=', and options as name=value after the key",
      "IB3004 13:15-13:21 unknown option 'kernal' for 'conv' (did you mean 'kernel'?)",
      "IB3301 18:16-18:21 unknown insertion point 'stag1': the backbone's stages are stage1, stage2 (did you mean 'stage1'?)",
      'IB2003 20:10-20:15 beta must be ≥ 0, got -0.01',
    ]);
  });

  it('still checks the model when another section lacks a required key', () => {
    const text = mutate('data idx {\n  train images="train-images.gz" labels="train-labels.gz"\n', 'data idx {\n', mutate('at=stage1', 'at=stage9'));
    expect(briefs(text)).toEqual([
      "IB3301 18:16-18:22 unknown insertion point 'stage9': the backbone's stages are stage1, stage2 (did you mean 'stage1'?)",
      "IB2004 23:1-23:5 data idx needs 'train'",
    ]);
  });

  it('reports each mistake once even inside a repeat block', () => {
    const text = mutate('      conv 16 kernel=3\n', '      repeat 3 {\n        conv 16 kernl=3\n      }\n');
    expect(briefs(text)).toEqual(["IB3004 14:17-14:22 unknown option 'kernl' for 'conv' (did you mean 'kernel'?)"]);
  });

  it('is the same spec text as BASE_SPEC when nothing is wrong', () => {
    expect(briefs(BASE_SPEC)).toEqual([]);
  });
});
