/** Every spec shipped in specs/ is free of syntax errors, and formatting it reaches a fixed point in one pass. */
import { describe, expect, test } from 'vitest';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseSpec } from '../../src/grammar/parse.js';
import { formatSpec } from '../../src/grammar/format.js';
import { withoutSpans } from '../fixtures/grammar.js';

const root = fileURLToPath(new URL('../../specs', import.meta.url));

function specFiles(dir: string): string[] {
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return [];
  }
  return entries.flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return specFiles(path);
    return name.endsWith('.ibspec') ? [path] : [];
  });
}

const files = specFiles(root);

describe('specs/', () => {
  test.skipIf(files.length === 0).each(files.map((f) => [f.slice(root.length + 1), f]))('%s', (_name, path) => {
    const result = parseSpec(readFileSync(path), path);
    expect(result.diagnostics).toEqual([]);
    const formatted = formatSpec(result.value!);
    const again = parseSpec(formatted, path);
    expect(again.diagnostics).toEqual([]);
    expect(withoutSpans(again.value!.statements)).toEqual(withoutSpans(result.value!.statements));
    expect(formatSpec(again.value!)).toBe(formatted);
  });
});
