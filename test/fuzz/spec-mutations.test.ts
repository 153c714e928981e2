/**
 * Fuzzing specs (issue 16): seeded mutations of shipped specs (extreme
 * numbers, deleted, doubled and swapped lines, stray characters, swapped
 * keywords, nested repeats) go through `ibc check`; no run may exit other
 * than 0/1/2, print a stack trace or an internal error, or exceed the time
 * bound. Every mutant that checks clean then has its parameters built, under
 * a memory budget, so what `check` accepts can really be allocated.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Random } from '../../src/support/random.js';
import { compileSpec } from '../../src/compiler/compile.js';
import { nodeFileSystem } from '../../src/host/file-system.js';
import { initParams } from '../../src/runtime/engine/init-params.js';
import { ibc, isCleanOutcome, head } from '../fixtures/cli-run.js';
import { pick, RUN_BOUND_MS, timed } from '../fixtures/fuzz.js';

const ROOT = resolve(__dirname, '../..');
const SOURCES = ['specs/test/tiny-aib-qt.ibspec', 'specs/test/tiny-sgd-ema.ibspec', 'specs/fashion-small-aib-qt.ibspec', 'specs/fashion-small-baseline.ibspec'];
const CASES = 300;
/** Accepted mutants build their parameters only within this budget; larger ones must be refused by the check. */
const BUILD_BUDGET = { memoryBytes: 512 * 1024 * 1024, enforceMemory: true };

const EXTREME_NUMBERS = ['0', '-1', '1', '2', '1e9', '99999999999999999999', '2147483648', '4294967296', '1e308', '1e-300', '0.5', '-0', '65536', '1000000'];
const WORDS = ['conv 8', 'relu', 'maxpool 2', 'batchnorm', 'linear 4', 'flatten', 'dropout 0.5', 'latent 16', 'anchors 8', 'samples train=3 eval=2', 'repeat 1000 { repeat 1000 { relu } }', 'repeat 50 { conv 16 kernel=3 }', 'stage s { relu }', 'quantize { anchors 3 }', 'model {', '}', '{', 'extends "tiny-aib-qt.ibspec"', 'extends "/dev/zero"', 'input 1x1x1', 'input 100000x100000x3', 'classes 1', 'batch 1000000', 'epochs 0'];
const CHARS = ['{', '}', '[', ']', '=', ',', ';', '"', '#', '\r', '\uFEFF', '\u0000', 'é', '\t', '-', '.', 'x', '\\'];

function mutate(rng: Random, text: string): { text: string; what: string[] } {
  let lines = text.split('\n');
  const what: string[] = [];
  for (let m = 0, n = 1 + rng.int(3); m < n; m++) {
    const i = rng.int(lines.length);
    switch (rng.int(6)) {
      case 0: {
        const numbers = [...lines[i]!.matchAll(/-?\d+(\.\d+)?(e-?\d+)?/g)];
        if (numbers.length === 0) break;
        const target = pick(rng, numbers);
        const value = pick(rng, EXTREME_NUMBERS);
        lines[i] = lines[i]!.slice(0, target.index) + value + lines[i]!.slice(target.index + target[0].length);
        what.push(`line ${i + 1}: ${target[0]} -> ${value}`);
        break;
      }
      case 1:
        what.push(`line ${i + 1} deleted`);
        lines = [...lines.slice(0, i), ...lines.slice(i + 1)];
        break;
      case 2:
        what.push(`line ${i + 1} doubled`);
        lines = [...lines.slice(0, i + 1), lines[i]!, ...lines.slice(i + 1)];
        break;
      case 3: {
        const j = rng.int(lines.length);
        what.push(`lines ${i + 1} and ${j + 1} swapped`);
        [lines[i], lines[j]] = [lines[j]!, lines[i]!];
        break;
      }
      case 4: {
        const line = lines[i]!;
        const at = rng.int(line.length + 1);
        const c = pick(rng, CHARS);
        what.push(`line ${i + 1}: ${JSON.stringify(c)} inserted`);
        lines[i] = line.slice(0, at) + c + line.slice(at);
        break;
      }
      default: {
        const word = pick(rng, WORDS);
        what.push(`line ${i + 1}: '${word}' inserted`);
        lines = [...lines.slice(0, i), `  ${word}`, ...lines.slice(i)];
      }
    }
  }
  return { text: lines.join('\n'), what };
}

let work: string;
beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'ibc-fuzz-spec-'));
  // The mutants live next to the bases they extend.
  mkdirSync(join(work, 'base'));
  copyFileSync(join(ROOT, 'specs/test/tiny-aib-qt.ibspec'), join(work, 'tiny-aib-qt.ibspec'));
  copyFileSync(join(ROOT, 'specs/base/fashion-small.ibspec'), join(work, 'base', 'fashion-small.ibspec'));
});

describe('spec mutations through ibc check, and a parameter build for accepted ones', () => {
  it(`${CASES} seeded mutants: exit 0/1/2, no stack trace, within the bound; accepted ones build`, async () => {
    const rng = Random.fromSeed(16).derive('spec-mutations');
    let accepted = 0;
    for (let c = 0; c < CASES; c++) {
      const source = pick(rng, SOURCES);
      const { text, what } = mutate(rng, readFileSync(join(ROOT, source), 'utf8'));
      const path = join(work, `mutant-${c}.ibspec`);
      writeFileSync(path, text);
      const label = `case ${c} (${source}: ${what.join('; ')})`;
      const { value: r, ms } = await timed(() => ibc(work, 'check', path));
      expect(isCleanOutcome(r), `${label}\n${head(r)}`).toBe(true);
      expect(ms, label).toBeLessThan(RUN_BOUND_MS);
      if (r.code !== 0) continue;
      const { value: built, ms: buildMs } = await timed(async () => {
        const compiled = compileSpec(path, nodeFileSystem, { machine: BUILD_BUDGET });
        if (!compiled.value) return { refused: true, params: 0 };
        const params = initParams(compiled.value.ir, compiled.value.spec.train.seed);
        for (const p of compiled.value.ir.params) expect(params.get(p.name)?.length, `${label}: ${p.name}`).toBe(p.shape.reduce((a, d) => a * d, 1));
        return { refused: false, params: params.size };
      });
      expect(buildMs, label).toBeLessThan(RUN_BOUND_MS);
      if (!built.refused) accepted++;
    }
    // The mutations are mostly mild: a good share must still check clean and build, or the build step tests nothing.
    expect(accepted).toBeGreaterThan(CASES / 10);
  }, 120_000);
});
