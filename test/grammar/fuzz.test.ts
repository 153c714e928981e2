/**
 * Fuzzing the front end: random bytes and random edits of a realistic spec
 * never make parseSpec throw; invalid input gets diagnostics; every span lies
 * inside the file and agrees with its offsets; a tree without errors formats
 * to text that parses cleanly. Randomness comes from the project's seeded RNG.
 */
import { describe, expect, test } from 'vitest';
import { Random } from '../../src/support/random.js';
import type { Diagnostic, Position } from '../../src/diagnostics/diagnostic.js';
import { hasErrors } from '../../src/diagnostics/diagnostic.js';
import { parseSpec, specSourceText } from '../../src/grammar/parse.js';
import { formatSpec } from '../../src/grammar/format.js';
import { pick } from '../fixtures/fuzz.js';

const REALISTIC = `# fashion, small
extends "fashion-small-base.ibspec"
name fashion-small-aib

model {
  input 28x28x1
  classes 10
  backbone custom {
    stage stage1 {
      conv 32 kernel=3
      batchnorm
      relu
      maxpool 2
    }
  }
  attention at=stage1 {
    std_head kernel=3 offset=-5
    latent 256
    beta 0.01
    samples train=1 eval=4  # 0 = mean
    quantize { anchors 20; init linspace low=0 high=1 }
  }
}

data idx {
  train images="/usr/share/datasets/train-images-idx3-ubyte.gz" labels="l.gz"
  normalize mean=[0.2860] std=[0.3530]
}

train {
  optimizer sgd lr=0.1 momentum=0.9 nesterov=false weight_decay=5e-4
  schedule multistep milestones=[60,
    120, 160] gamma=0.2
}

sweep {
  model.attention.beta in [0.001, 0.01, 0.1]
}
`;

const ALPHABET = ' \n\t{}[]=,;.#"\\-_x0123456789eEabcz\r\u00e9\u{1F600}@\uFEFF';

/** Line and column of `offset`, computed the slow and obvious way. */
function expectedPosition(source: string, offset: number): { line: number; column: number } {
  // A lone '\r' (classic Mac line end) ends a line too.
  const text = source.replace(/\r(?!\n)/g, '\n');
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  const lineStart = before.lastIndexOf('\n') + 1;
  const bom = lineStart === 0 && offset > 0 && text.startsWith('\uFEFF') ? 1 : 0;
  return { line, column: Array.from(text.slice(lineStart, offset)).length + 1 - bom };
}

function checkPosition(text: string, p: Position): void {
  expect(p.offset).toBeGreaterThanOrEqual(0);
  expect(p.offset).toBeLessThanOrEqual(text.length);
  expect({ line: p.line, column: p.column }).toEqual(expectedPosition(text, p.offset));
}

function checkDiagnostics(text: string, diagnostics: readonly Diagnostic[], file: string): void {
  for (const d of diagnostics) {
    expect(d.code).toMatch(/^IB1\d{3}$/);
    if (d.code === 'IB1004') continue; // "too many errors" has no position
    expect(d.span, d.message).toBeDefined();
    const span = d.span!;
    expect(span.file).toBe(file);
    checkPosition(text, span.start);
    if (span.end.line === span.start.line && span.end.offset === span.start.offset + 1 && (text[span.start.offset] === '\n' || text[span.start.offset] === '\r')) {
      // a diagnostic on a line break points just past the end of its line
      expect(span.end.column).toBe(span.start.column + 1);
    } else {
      checkPosition(text, span.end);
    }
    expect(span.end.offset).toBeGreaterThanOrEqual(span.start.offset);
    for (const r of d.related ?? []) checkPosition(text, r.span.start);
  }
}

function checkOne(source: string | Uint8Array): void {
  const result = parseSpec(source, 'f.ibspec');
  const text = specSourceText(source);
  checkDiagnostics(text, result.diagnostics, 'f.ibspec');
  if (!hasErrors(result.diagnostics)) {
    expect(result.value).toBeDefined();
    const formatted = formatSpec(result.value!);
    const again = parseSpec(formatted, 'f.ibspec');
    expect(again.diagnostics).toEqual([]);
    expect(formatSpec(again.value!)).toBe(formatted);
  }
}

describe('parser fuzzing', () => {
  test('300 random byte strings', () => {
    const random = Random.fromSeed(1).derive('fuzz-bytes');
    let invalid = 0;
    for (let i = 0; i < 300; i++) {
      const length = random.int(120);
      const bytes = new Uint8Array(length);
      const asciiOnly = i % 3 !== 0;
      const spec = [...new TextEncoder().encode(ALPHABET)];
      for (let k = 0; k < length; k++) bytes[k] = asciiOnly ? pick(random, spec) : random.int(256);
      const result = parseSpec(bytes, 'f.ibspec');
      if (hasErrors(result.diagnostics)) invalid++;
      checkOne(bytes);
    }
    expect(invalid).toBeGreaterThan(100);
  });

  test('300 random edits of a realistic spec', () => {
    expect(parseSpec(REALISTIC, 'f.ibspec').diagnostics).toEqual([]);
    const random = Random.fromSeed(2).derive('fuzz-edits');
    const chars = Array.from(ALPHABET);
    for (let i = 0; i < 300; i++) {
      let text = REALISTIC;
      const edits = 1 + random.int(4);
      for (let e = 0; e < edits; e++) {
        const at = random.int(text.length + 1);
        const kind = random.int(3);
        const ch = chars[random.int(chars.length)];
        if (kind === 0) text = text.slice(0, at) + ch + text.slice(at);
        else if (kind === 1) text = text.slice(0, at) + text.slice(at + 1 + random.int(3));
        else text = text.slice(0, at) + ch + text.slice(at + 1);
      }
      checkOne(text);
    }
  });

  test('truncations of a realistic spec', () => {
    for (let end = 0; end <= REALISTIC.length; end += 7) checkOne(REALISTIC.slice(0, end));
  });
});
