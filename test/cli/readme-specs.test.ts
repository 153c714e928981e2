/** The README's own spec examples pass `ibc check` and `ibc fmt --check` (the canonical layout). */
import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { main } from '../../src/cli/main.js';

/** Fenced blocks of the README that are specs: they have a model section. */
function readmeSpecs(): string[] {
  const text = readFileSync(resolve(__dirname, '../../README.md'), 'utf8');
  return [...text.matchAll(/```\n([\s\S]*?)```/g)].map((m) => m[1]!).filter((block) => /^model \{$/m.test(block));
}

describe('README spec examples', () => {
  const specs = readmeSpecs();
  const dir = mkdtempSync(join(tmpdir(), 'ibc-readme-'));

  it('there is at least one', () => {
    expect(specs.length).toBeGreaterThan(0);
  });

  it.each(specs.map((s, i) => [i, s] as const))('example %i is canonical (fmt --check) and checks clean', async (i, spec) => {
    const file = join(dir, `readme-${i}.ibspec`);
    writeFileSync(file, spec);
    const err: string[] = [];
    const io = { stdout: () => undefined, stderr: (t: string) => void err.push(t), isTTY: false, cwd: dir };
    expect(await main(['fmt', '--check', file], io), err.join('')).toBe(0);
    const status = await main(['check', file], io);
    // Data it names may be absent on a machine without dataset-fashion-mnist: warnings (IB3327) only.
    expect(err.join('').split('\n').filter((l) => / error IB/.test(l))).toEqual([]);
    expect(status).toBe(0);
  });
});
