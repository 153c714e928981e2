/**
 * Shell metacharacters and newlines in every string key (issue 24, case 1's
 * class): every string-typed key of the spec's JSON Schema (layers included)
 * is given generated hostile strings. A string with a control character is
 * refused where it is written (IB3451), whatever the key; the sweep's Slurm
 * keys accept only what Slurm's syntax allows; and whatever reaches a Slurm
 * submission stays data: sbatch's arguments hold no control character, the
 * batch script is one constant text, and a task file gives back exactly the
 * arguments it was made from. A sample goes through `ibc check` end to end.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { join, resolve } from 'node:path';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { specJsonSchema } from '../../src/compiler/spec/schema.js';
import { checkStrings } from '../../src/compiler/spec/string-checks.js';
import { emptySpanMap } from '../../src/compiler/spec/span-map.js';
import type { Json, MutableJsonObject } from '../../src/compiler/spec/spec-document.js';
import { memProblem, partitionProblem, sbatchOptionProblem, timeProblem } from '../../src/compiler/spec/slurm-values.js';
import { controlCharacterProblem } from '../../src/support/control-characters.js';
import { sbatchArguments, slurmScript, taskFile } from '../../src/runtime/jobs/sweep/slurm-launcher.js';
import { ibc, isCleanOutcome, head } from '../fixtures/cli-run.js';

type Schema = { type?: string; properties?: Record<string, Schema>; items?: Schema; oneOf?: Schema[]; anyOf?: Schema[]; allOf?: Schema[]; $ref?: string; definitions?: Record<string, Schema> };

/** Every pointer of the schema whose value is a string (list items as /0, layer keys through their $ref). */
function stringPointers(): string[] {
  const root = specJsonSchema() as Schema;
  const out = new Set<string>();
  const walk = (node: Schema | undefined, pointer: string, refs: readonly string[]): void => {
    if (!node) return;
    if (node.$ref && !refs.includes(node.$ref)) walk(root.definitions?.[node.$ref.replace('#/definitions/', '')], pointer, [...refs, node.$ref]);
    if (node.type === 'string') out.add(pointer);
    for (const group of [node.oneOf, node.anyOf, node.allOf]) for (const option of group ?? []) walk(option, pointer, refs);
    for (const [key, child] of Object.entries(node.properties ?? {})) walk(child, `${pointer}/${key}`, refs);
    if (node.items) walk(node.items, `${pointer}/0`, refs);
  };
  walk(root, '', []);
  return [...out].sort();
}

/** A document holding `value` at `pointer` (objects and one-item lists on the way). */
function documentWith(pointer: string, value: string): MutableJsonObject {
  const parts = pointer.slice(1).split('/');
  const root: MutableJsonObject = {};
  let at: MutableJsonObject | Json[] = root;
  parts.forEach((part, i) => {
    const last = i === parts.length - 1;
    const next: Json = last ? value : /^\d+$/.test(parts[i + 1]!) ? [] : {};
    if (Array.isArray(at)) at.push(next);
    else at[part] = next;
    if (!last) at = next as MutableJsonObject | Json[];
  });
  return root;
}

/** Shell syntax, control characters and ordinary text, mixed. */
const SHELL = ['$(touch x)', '`id`', ';', '&&', '|', '>', '<', "'", '"', '\\', '*', '?', '~', '#', '!', '{a,b}', '$HOME', ' ', '%', '/'];
const CONTROL = ['\n', '\r', '\t', '\u0000', '\u001b', '\u007f'];
const hostile = fc
  .array(fc.oneof(fc.constantFrom(...SHELL), fc.constantFrom(...CONTROL), fc.string({ maxLength: 6 }), fc.constantFrom('gpu', '4:00:00', '16G', '--account=lab')), { minLength: 1, maxLength: 5 })
  .map((parts) => parts.join(''));

const POINTERS = stringPointers();
const SLURM_CHECKS: Readonly<Record<string, (v: string) => string | undefined>> = {
  '/sweep/0/slurm/partition': partitionProblem,
  '/sweep/0/slurm/time': timeProblem,
  '/sweep/0/slurm/mem': memProblem,
  '/sweep/0/slurm/sbatch/0': sbatchOptionProblem,
};

describe('hostile strings in every string key', () => {
  it('covers the spec: names, paths, class names, layer names, the Slurm keys', () => {
    for (const pointer of ['/name', '/data/train/images', '/model/class_names/0', '/model/backbone/stages/0/layers/0/name', '/sweep/0/slurm/partition', '/sweep/0/slurm/sbatch/0']) {
      expect(POINTERS).toContain(pointer);
    }
  });

  it('a control character anywhere is IB3451 at that key; Slurm keys also follow Slurm syntax (property, every key)', () => {
    fc.assert(
      fc.property(fc.constantFrom(...POINTERS), hostile, (pointer, text) => {
        const found = checkStrings(documentWith(pointer, text), emptySpanMap());
        const control = controlCharacterProblem(text) !== undefined;
        expect(found.filter((d) => d.code === 'IB3451').length, `${pointer} = ${JSON.stringify(text)}`).toBe(control ? 1 : 0);
        const slurm = SLURM_CHECKS[pointer];
        const slurmErrors = found.filter((d) => d.code === 'IB3452' || d.code === 'IB3453').length;
        expect(slurmErrors, `${pointer} = ${JSON.stringify(text)}`).toBe(slurm && !control && slurm(text) !== undefined ? 1 : 0);
      }),
      { numRuns: 600, seed: 2024 },
    );
  });

  it('what reaches sbatch is data: accepted options hold no control character, the script is constant, task files round-trip (property)', () => {
    const script = slurmScript();
    fc.assert(
      fc.property(hostile, hostile, fc.array(hostile, { maxLength: 4 }), (partition, line, args) => {
        const options = { jobName: partition, extra: [line], ...(partitionProblem(partition) === undefined ? { partition } : {}) };
        let argv: string[] | undefined;
        try {
          argv = sbatchArguments(options, [0, 1], '/s', '/s/slurm-array.sh', '/s/slurm-tasks/x');
        } catch {
          expect(sbatchOptionProblem(line)).toBeDefined();
        }
        if (argv) for (const arg of argv) expect(controlCharacterProblem(arg), arg).toBeUndefined();
        const withoutNul = args.map((a) => a.replace(/\u0000/g, ''));
        const file = new TextDecoder().decode(taskFile({ index: 0, name: 'm', action: 'start', runDir: '/r', specFile: '/s', logFile: '/l', trainArgs: withoutNul }, ['node', 'ibc']));
        expect(file.split('\u0000').slice(0, -1)).toEqual(['/l', 'node', 'ibc', ...withoutNul]);
        expect(slurmScript()).toBe(script);
      }),
      { numRuns: 300, seed: 2024 },
    );
  });

  it('through ibc check: a newline or shell syntax in a name, a data path, a class name and the Slurm keys', async () => {
    const work = mkdtempSync(join(tmpdir(), 'ibc-fuzz-strings-'));
    const tiny = JSON.stringify(resolve(__dirname, '../../specs/test/tiny-aib-qt.ibspec'));
    const samples = fc.sample(hostile.filter((s) => !s.includes('\u0000')), { numRuns: 8, seed: 7 });
    try {
      /** A spec string literal: the language's escapes (\\" \\\\ \\n \\r \\t), other characters as they are. */
      const literal = (text: string): string => `"${text.replace(/["\\\n\r\t]/g, (c) => ({ '"': '\\"', '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t' })[c]!)}"`;
      for (const [i, text] of samples.entries()) {
        const quoted = literal(text);
        const spec = join(work, `s${i}.ibspec`);
        writeFileSync(spec, `extends ${tiny}\nname ${JSON.stringify(`n${i}${text.replace(/[\s/\\]/g, '')}`)}\nsweep {\n  seeds 1\n  slurm partition=${quoted} sbatch=[${quoted}]\n}\n`);
        const r = await ibc(work, 'check', spec, `model.class_names=[${quoted}, "b", "c", "d"]`);
        expect(isCleanOutcome(r), head(r)).toBe(true);
        const control = controlCharacterProblem(text) !== undefined;
        if (control) expect(r.stderr, head(r)).toContain('IB3451');
        if (!control && partitionProblem(text) !== undefined) expect(r.stderr, head(r)).toContain('IB3452');
        if (!control && sbatchOptionProblem(text) !== undefined) expect(r.stderr, head(r)).toContain('IB3453');
      }
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  });
});
