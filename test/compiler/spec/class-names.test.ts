/** model.class_names: resolved in label order, checked against the class count (IB3331). */
import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compileSpec } from '../../../src/compiler/compile.js';
import { nodeFileSystem } from '../../../src/host/file-system.js';

const dir = mkdtempSync(join(tmpdir(), 'ibc-class-names-'));

function compile(names: string): ReturnType<typeof compileSpec> {
  const path = join(dir, `s${names.length}.ibspec`);
  writeFileSync(
    path,
    `model {
  input 8x8x1
  classes 3
  class_names ${names}
  backbone custom { stage s1 { conv 2 kernel=3; relu } }
}
data synthetic { }
`,
  );
  return compileSpec(path, nodeFileSystem);
}

describe('model.class_names', () => {
  it('resolves to classNames in label order', () => {
    const r = compile('["cat", "dog", "T-shirt/top"]');
    expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect(r.value!.spec.model.classNames).toEqual(['cat', 'dog', 'T-shirt/top']);
  });

  it('a count other than classes is a located error', () => {
    const r = compile('["cat", "dog"]');
    expect(r.diagnostics.map((d) => [d.code, d.message, d.span?.start.line])).toEqual([['IB3331', 'class_names lists 2 names but the model has 3 classes', 4]]);
  });
});
