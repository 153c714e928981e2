/** compiler/spec/flatten.ts: every shipped spec flattens to one file that resolves to the same spec (same hash). */
import { describe, expect, it } from 'vitest';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { loadSpec } from '../../../src/compiler/spec/load-spec.js';
import { flattenSpec } from '../../../src/compiler/spec/flatten.js';
import { specHash } from '../../../src/compiler/spec/serialize.js';
import { nodeFileSystem } from '../../../src/host/file-system.js';

const SPECS = resolve(__dirname, '../../../specs');
const shipped = readdirSync(SPECS)
  .filter((f) => f.endsWith('.ibspec'))
  .map((f) => join(SPECS, f))
  .concat(['tiny-aib-qt.ibspec', 'tiny-sgd-ema.ibspec', 'tiny-diverge.ibspec', 'missing-data.ibspec'].map((f) => join(SPECS, 'test', f)));

describe('flattenSpec', () => {
  const out = mkdtempSync(join(tmpdir(), 'ibc-flatten-'));

  it.each(shipped)('%s: no extends, absolute data paths, the same spec hash', (path) => {
    const original = loadSpec(path, nodeFileSystem);
    expect(original.value, original.diagnostics.map((d) => d.message).join('\n')).toBeDefined();
    const flat = flattenSpec(path, original.value!, nodeFileSystem, ['a header line']);
    expect(flat.value).toBeDefined();
    const text = flat.value!;
    expect(text.startsWith('# a header line\n')).toBe(true);
    expect(text).not.toMatch(/^extends /m);
    expect(text).not.toMatch(/^sweep /m);
    // Read back from another folder: relative paths would now point elsewhere.
    const copy = join(out, `${original.value!.name}.ibspec`);
    writeFileSync(copy, text);
    const again = loadSpec(copy, nodeFileSystem);
    expect(again.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect(specHash(again.value!)).toBe(specHash(original.value!));
  });

  it("makes a backbone's weights path absolute, so the run's copy names the same file and hashes the same", () => {
    const dir = mkdtempSync(join(tmpdir(), 'ibc-flatten-weights-'));
    const path = join(dir, 'tuned.ibspec');
    writeFileSync(path, 'model {\n  input 32x32x3\n  classes 10\n  backbone resnet18 weights="trunk/r18.pth" strict=false\n}\ndata synthetic\n');
    const original = loadSpec(path, nodeFileSystem).value!;
    const text = flattenSpec(path, original, nodeFileSystem).value!;
    expect(text).toContain(`backbone resnet18 weights="${join(dir, 'trunk', 'r18.pth')}" strict=false`);
    const copy = join(out, 'tuned.ibspec');
    writeFileSync(copy, text);
    expect(specHash(loadSpec(copy, nodeFileSystem).value!)).toBe(specHash(original));
  });
});
