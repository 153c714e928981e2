/**
 * Mutation fuzzing of the reference specs: token deletions, duplications,
 * swaps and replacements. The front end must never throw, never report an
 * internal error, locate every diagnostic inside a file it read, and `ibc
 * check` must exit 1 exactly when there are errors.
 */
import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Random } from '../../../src/support/random.js';
import { memoryFileSystem } from '../../../src/host/file-system.js';
import { loadSpec } from '../../../src/compiler/spec/load-spec.js';
import { hasErrors } from '../../../src/diagnostics/diagnostic.js';
import { createCheckCommand } from '../../../src/cli/commands/check.js';
import { present } from '../../fixtures/present.js';
import { pick } from '../../fixtures/fuzz.js';

const SPECS = resolve(import.meta.dirname, '../../../specs');
// More cases or another seed for a longer local run: IBC_FUZZ_CASES=5000 IBC_FUZZ_SEED=7 npx vitest run test/compiler/spec/fuzz.test.ts
const CASES = Number(process.env.IBC_FUZZ_CASES ?? 200);
const SEED = Number(process.env.IBC_FUZZ_SEED ?? 20261124);

function specTree(): Record<string, string> {
  const files: Record<string, string> = {};
  for (const dir of [SPECS, join(SPECS, 'base'), join(SPECS, 'test')]) {
    for (const f of readdirSync(dir).filter((n) => n.endsWith('.ibspec'))) files[join(dir, f)] = readFileSync(join(dir, f), 'utf8');
  }
  return files;
}

const TOKEN = /"(?:[^"\\\n]|\\.)*"|[{}[\]=,;]|\n|[^\s{}[\]=,;"]+|[ \t]+|#[^\n]*/g;

function mutate(text: string, rng: Random): string {
  const tokens = text.match(TOKEN) ?? [];
  const edits = 1 + rng.int(3);
  for (let e = 0; e < edits && tokens.length > 1; e++) {
    const i = rng.int(tokens.length);
    switch (rng.int(4)) {
      case 0:
        tokens.splice(i, 1);
        break;
      case 1:
        tokens.splice(i, 0, present(tokens[i]));
        break;
      case 2: {
        const j = Math.min(tokens.length - 1, i + 1 + rng.int(3));
        [tokens[i], tokens[j]] = [present(tokens[j]), present(tokens[i])];
        break;
      }
      default:
        tokens[i] = pick(rng, tokens);
    }
  }
  return tokens.join('');
}

describe('fuzzing the reference specs', () => {
  it(`${CASES} mutated specs: no throw, no internal error, located diagnostics, exit status matches`, async () => {
    const tree = specTree();
    const entries = Object.keys(tree).filter((p) => !p.includes('/base/')).sort();
    const rng = Random.fromSeed(SEED);
    let invalid = 0;
    for (let n = 0; n < CASES; n++) {
      const file = pick(rng, entries);
      const text = mutate(present(tree[file], file), rng);
      const files = { ...tree, [file]: text };
      const fs = memoryFileSystem(files);
      const result = loadSpec(file, fs);
      const context = `case ${n}: ${file}\n${text}`;
      expect(result.diagnostics.filter((d) => d.code.startsWith('IB9')), context).toEqual([]);
      for (const d of result.diagnostics) {
        expect(d.span, context).toBeDefined();
        expect(Object.keys(files), context).toContain(d.span!.file);
        expect(d.span!.start.line, context).toBeGreaterThanOrEqual(1);
      }
      expect(result.value === undefined, context).toBe(hasErrors(result.diagnostics));
      const out: string[] = [];
      const io = { stdout: (t: string) => out.push(t), stderr: () => {}, isTTY: false, cwd: '/' };
      const status = await createCheckCommand(fs).run([file, '--format', 'json'], io);
      const json = JSON.parse(out.join('')) as { severity: string; code: string }[];
      // A spec that passes the front end still goes through shape inference, which must not crash either.
      expect(json.filter((d) => d.code.startsWith('IB9')), context).toEqual([]);
      expect(status, context).toBe(json.some((d) => d.severity === 'error') ? 1 : 0);
      if (!hasErrors(result.diagnostics)) continue;
      invalid++;
      expect(status, context).toBe(1);
    }
    // The mutations must actually exercise the error paths.
    expect(invalid).toBeGreaterThan(CASES / 2);
  });
});
