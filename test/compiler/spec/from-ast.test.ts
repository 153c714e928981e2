import { describe, expect, it } from 'vitest';
import { parseSpec } from '../../../src/grammar/parse.js';
import { documentFromAst } from '../../../src/compiler/spec/from-ast.js';
import { brief } from '../../fixtures/spec-text.js';

function build(text: string) {
  const parsed = parseSpec(text, 'x.ibspec');
  expect(parsed.diagnostics).toEqual([]);
  const built = documentFromAst(parsed.value!);
  return { ...built.value!, diagnostics: built.diagnostics.map(brief), raw: built.diagnostics };
}

describe('documentFromAst', () => {
  it('turns statements into the document, by the vocabulary table', () => {
    const r = build(`name demo
model {
  input 28x28x1
  backbone wrn depth=16 widen=2
  attention at=group2 {
    samples train=1 eval=0
    map 14x14
  }
  classifier { flatten; linear 10 }
}
data cifar100 path="c100" labels=coarse { validation 0.2 }
train { warmup [0.01, 0.1] }
`);
    expect(r.diagnostics).toEqual([]);
    expect(r.document).toEqual({
      name: 'demo',
      model: {
        input: [28, 28, 1],
        backbone: { kind: 'wrn', depth: 16, widen: 2 },
        attention: { at: 'group2', samples: { train: 1, eval: 0 }, map: [14, 14] },
        classifier: [{ type: 'flatten' }, { type: 'linear', units: 10 }],
      },
      data: { kind: 'cifar100', path: 'c100', labels: 'coarse', validation: 0.2 },
      train: { warmup: { lrs: [0.01, 0.1] } },
    });
    // value spans and key spans
    expect(r.spans.values.get('/model/attention/map')?.start).toMatchObject({ line: 7, column: 9 });
    expect(r.spans.keys.get('/model/backbone/depth')?.start).toMatchObject({ line: 4, column: 16 });
    expect(r.spans.values.get('/model/classifier/1')?.start).toMatchObject({ line: 9, column: 25 });
    expect(r.spans.values.get('/train/warmup/lrs/1')?.start).toMatchObject({ line: 12, column: 23 });
  });

  it('expands repeat blocks, nested ones too', () => {
    const r = build('model {\n  classifier {\n    repeat 2 {\n      linear 4\n      repeat 2 { relu }\n    }\n    linear 3\n  }\n}\n');
    expect(r.diagnostics).toEqual([]);
    const types = ((r.document.model as Record<string, unknown>).classifier as { type: string }[]).map((l) => l.type);
    expect(types).toEqual(['linear', 'relu', 'relu', 'linear', 'relu', 'relu', 'linear']);
    // each copy points at the statement it was made from
    expect(r.spans.values.get('/model/classifier/4')?.start.line).toBe(5);
  });

  it('collects stages in order', () => {
    const r = build('model {\n  backbone custom {\n    stage a { relu }\n    stage b { relu }\n  }\n}\n');
    expect((r.document.model as { backbone: unknown }).backbone).toEqual({
      kind: 'custom',
      stages: [
        { name: 'a', layers: [{ type: 'relu' }] },
        { name: 'b', layers: [{ type: 'relu' }] },
      ],
    });
  });

  it('points a duplicate at its first occurrence', () => {
    const r = build('train {\n  epochs 1\n  epochs 2\n}\n');
    expect(r.diagnostics).toEqual(["IB3005 3:3-3:9 'epochs' is set twice in 'train'"]);
    expect(r.raw[0]?.related).toEqual([{ message: "'epochs' is first set here", span: expect.objectContaining({ start: expect.objectContaining({ line: 2, column: 3 }) }) }]);
  });

  it('reports a header option repeated as a block statement as a duplicate', () => {
    expect(build('data cifar10 path="a" {\n  path "b"\n}\n').diagnostics).toEqual(["IB3005 2:3-2:7 'path' is set twice in 'data'"]);
  });

  it('reports misplaced words with suggestions', () => {
    expect(build('modle { }\nmodel { attention { bta 1 } }\nmodel.attention.quantize.anchor 3\n').diagnostics).toEqual([
      "IB3001 1:1-1:6 unknown section 'modle' (did you mean 'model'?)",
      "IB3002 2:21-2:24 unknown key 'bta' in 'attention' (did you mean 'beta'?)",
      "IB3013 3:26-3:32 unknown key 'anchor' in path 'model.attention.quantize.anchor' (did you mean 'anchors'?)",
    ]);
  });

  it('reports blocks, values and options where they do not belong', () => {
    expect(build('model {\n  classes 10 { }\n  classifier 3 { relu }\n  classifier2\n  input size=3\n}\ntrain { epochs 1 2 3 }\n').diagnostics).toEqual([
      "IB3008 2:14-2:17 'classes' takes no block",
      "IB3017 3:14-3:15 'classifier' takes no values before its block",
      "IB3002 4:3-4:14 unknown key 'classifier2' in 'model' (did you mean 'classifier'?)",
      "IB3016 5:9-5:15 'input' takes no options",
      "IB3015 5:3-5:8 'input' needs a value",
      "IB3007 7:18-7:21 'epochs' takes one value, got 3",
    ]);
  });

  it('needs a block where a list of layers goes', () => {
    expect(build('model {\n  classifier\n  backbone custom { stage s1 }\n}\n').diagnostics).toEqual([
      "IB3009 2:3-2:13 'classifier' needs a block: classifier { ... }",
      "IB3009 3:21-3:26 'stage' needs a block: stage { ... }",
    ]);
  });
});
