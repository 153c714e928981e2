/**
 * Imports only go downstream: grammar/ -> compiler/ -> runtime/ -> cli/, with
 * diagnostics/ and the shared leaf support/ (seeded random streams, error
 * types) below all of them. Every .ts file under src/ is read and each import
 * specifier (static, type-only, re-export, dynamic) is resolved to the
 * top-level folder it lands in; a folder may import only the folders listed
 * for it below. A new top-level folder fails here until it is given a row.
 *
 * Inside runtime/ the same holds for its rooms: engine/ and data/ at the
 * bottom, then training/ (the loop), runs/ (every file of a run folder),
 * figures/, and jobs/ (what each command does, start to end) on top; and the
 * import graph of runtime/ has no circle between files.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const SRC = resolve(import.meta.dirname, '../../src');

/** The top-level folders of src/; '.' is a file directly in src/ (the public index). */
const LAYERS = ['diagnostics', 'support', 'host', 'grammar', 'compiler', 'runtime', 'cli', '.'] as const;
type Layer = (typeof LAYERS)[number];

/** What each folder may import from (itself included). Packages (non-relative specifiers) are not checked. */
const MAY_IMPORT: Readonly<Record<Layer, readonly Layer[]>> = {
  diagnostics: ['diagnostics'],
  support: ['support', 'diagnostics'],
  host: ['host', 'support', 'diagnostics'],
  grammar: ['grammar', 'support', 'diagnostics'],
  compiler: ['compiler', 'grammar', 'host', 'support', 'diagnostics'],
  runtime: ['runtime', 'compiler', 'grammar', 'host', 'support', 'diagnostics'],
  cli: LAYERS,
  '.': LAYERS,
};

/** The rooms of runtime/; '.' is a file directly in runtime/ (the `ibc/runtime` entry). */
const ROOMS = ['engine', 'data', 'training', 'runs', 'figures', 'jobs', '.'] as const;
type Room = (typeof ROOMS)[number];

/** What each room of runtime/ may import from inside runtime/ (itself included). */
const ROOM_MAY_IMPORT: Readonly<Record<Room, readonly Room[]>> = {
  engine: ['engine'],
  data: ['data'],
  training: ['training', 'engine', 'data'],
  runs: ['runs', 'training', 'engine', 'data'],
  figures: ['figures', 'runs', 'training', 'data'],
  jobs: ['jobs', 'figures', 'runs', 'training', 'engine', 'data'],
  '.': ['engine'],
};

interface SourceFile {
  /** Path relative to src/, with '/' separators. */
  readonly path: string;
  readonly text: string;
}

interface Violation {
  readonly file: string;
  readonly specifier: string;
  readonly from: string;
  readonly to: string;
}

function layerOf(pathInSrc: string): string {
  const parts = pathInSrc.split('/');
  return parts.length === 1 ? '.' : parts[0]!;
}

function isLayer(name: string): name is Layer {
  return (LAYERS as readonly string[]).includes(name);
}

/** Every import of every file that crosses into a folder its own folder may not import. */
function importViolations(files: readonly SourceFile[]): Violation[] {
  const violations: Violation[] = [];
  for (const file of files) {
    const from = layerOf(file.path);
    const allowed: readonly string[] = isLayer(from) ? MAY_IMPORT[from] : [];
    for (const { fileName: specifier } of ts.preProcessFile(file.text, true, true).importedFiles) {
      if (!specifier.startsWith('.')) continue;
      const target = join(dirname(file.path), specifier).split(sep).join('/');
      if (target.startsWith('..')) {
        violations.push({ file: file.path, specifier, from, to: 'outside src/' });
        continue;
      }
      const to = layerOf(target);
      if (!allowed.includes(to)) violations.push({ file: file.path, specifier, from, to });
    }
  }
  return violations;
}

function roomOf(pathInSrc: string): string {
  const parts = pathInSrc.split('/');
  return parts.length === 2 ? '.' : (parts[1] ?? '.');
}

function isRoom(name: string): name is Room {
  return (ROOMS as readonly string[]).includes(name);
}

/** The runtime file an import specifier of `file` lands on, or undefined when it leaves runtime/. */
function runtimeTarget(file: string, specifier: string): string | undefined {
  if (!specifier.startsWith('.')) return undefined;
  const target = join(dirname(file), specifier).split(sep).join('/');
  return target.startsWith('runtime/') ? target : undefined;
}

/** Imports between runtime/'s rooms that run against the order of ROOM_MAY_IMPORT. */
function roomViolations(files: readonly SourceFile[]): Violation[] {
  const violations: Violation[] = [];
  for (const file of files) {
    if (layerOf(file.path) !== 'runtime') continue;
    const from = roomOf(file.path);
    const allowed: readonly string[] = isRoom(from) ? ROOM_MAY_IMPORT[from] : [];
    for (const { fileName: specifier } of ts.preProcessFile(file.text, true, true).importedFiles) {
      const target = runtimeTarget(file.path, specifier);
      if (target === undefined) continue;
      const to = roomOf(target);
      if (!allowed.includes(to)) violations.push({ file: file.path, specifier, from, to });
    }
  }
  return violations;
}

/** The first import circle among runtime/'s files, as a path of files, or [] when there is none. */
function firstCircle(files: readonly SourceFile[]): string[] {
  const edges = new Map<string, string[]>();
  for (const file of files) {
    if (layerOf(file.path) !== 'runtime') continue;
    const targets: string[] = [];
    for (const { fileName: specifier } of ts.preProcessFile(file.text, true, true).importedFiles) {
      const target = runtimeTarget(file.path, specifier);
      if (target !== undefined) targets.push(target.replace(/\.js$/, '.ts'));
    }
    edges.set(file.path, targets);
  }
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (node: string): string[] => {
    if (state.get(node) === 'done') return [];
    if (state.get(node) === 'open') return [...stack.slice(stack.indexOf(node)), node];
    state.set(node, 'open');
    stack.push(node);
    for (const next of edges.get(node) ?? []) {
      const circle = visit(next);
      if (circle.length > 0) return circle;
    }
    stack.pop();
    state.set(node, 'done');
    return [];
  };
  for (const node of edges.keys()) {
    const circle = visit(node);
    if (circle.length > 0) return circle;
  }
  return [];
}

function readSources(dir: string): SourceFile[] {
  const files: SourceFile[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) files.push(...readSources(full));
    else if (entry.name.endsWith('.ts')) files.push({ path: relative(SRC, full).split(sep).join('/'), text: readFileSync(full, 'utf8') });
  }
  return files;
}

describe('import direction over src/', () => {
  const sources = readSources(SRC);

  it('reads the whole tree, and every top-level folder has a row in the table', () => {
    expect(sources.length).toBeGreaterThan(100);
    const unknown = [...new Set(sources.map((f) => layerOf(f.path)))].filter((layer) => !isLayer(layer));
    expect(unknown, 'new top-level folders under src/: add them to MAY_IMPORT').toEqual([]);
  });

  it('has no import against the pipeline direction', () => {
    const lines = importViolations(sources).map((v) => `${v.file}: '${v.specifier}' (${v.from}/ may not import ${v.to}/)`);
    expect(lines).toEqual([]);
  });
});

describe('the rooms of runtime/', () => {
  const sources = readSources(SRC);

  it('has a row for every room', () => {
    const unknown = [...new Set(sources.filter((f) => layerOf(f.path) === 'runtime').map((f) => roomOf(f.path)))].filter((room) => !isRoom(room));
    expect(unknown, 'new rooms under src/runtime/: add them to ROOM_MAY_IMPORT').toEqual([]);
  });

  it('has no import running back up between rooms', () => {
    const lines = roomViolations(sources).map((v) => `${v.file}: '${v.specifier}' (runtime/${v.from}/ may not import runtime/${v.to}/)`);
    expect(lines).toEqual([]);
  });

  it('has no import circle between files', () => {
    expect(firstCircle(sources)).toEqual([]);
  });

  it('the room check rejects an upward import and finds a circle', () => {
    const files: SourceFile[] = [
      { path: 'runtime/engine/x.ts', text: "import { train } from '../training/loop.js';" },
      { path: 'runtime/training/loop.ts', text: "import { x } from '../engine/x.js';" },
    ];
    expect(roomViolations(files).map((v) => `${v.from}->${v.to}`)).toEqual(['engine->training']);
    expect(firstCircle(files)).toEqual(['runtime/engine/x.ts', 'runtime/training/loop.ts', 'runtime/engine/x.ts']);
  });
});

describe('the import check itself', () => {
  const cases: ReadonlyArray<readonly [string, string, string]> = [
    ['compiler/ir/x.ts', "import { Random } from '../../runtime/random.js';", 'runtime'],
    ['compiler/x.ts', "export { main } from '../cli/main.js';", 'cli'],
    ['runtime/training/x.ts', "const m = await import('../../cli/main.js');", 'cli'],
    ['grammar/x.ts', "import type { ModelIR } from '../compiler/ir/ir.js';", 'compiler'],
    ['support/x.ts', "import '../runtime/index.js';", 'runtime'],
    ['support/x.ts', "import { parse } from '../grammar/parse.js';", 'grammar'],
    ['diagnostics/x.ts', "import { Random } from '../support/random.js';", 'support'],
  ];
  for (const [path, text, to] of cases) {
    it(`rejects ${path}: ${text}`, () => {
      expect(importViolations([{ path, text }]).map((v) => v.to)).toEqual([to]);
    });
  }

  it('accepts downstream imports, packages and imports within a folder', () => {
    const files: SourceFile[] = [
      { path: 'cli/x.ts', text: "import { RunError } from '../support/errors.js'; import * as tf from '@tensorflow/tfjs-core';" },
      { path: 'runtime/engine/executor/x.ts', text: "import type { ModelIR } from '../../compiler/ir/ir.js'; import { BN_TRAIN } from '../backends/native/ops.js';" },
      { path: 'compiler/x.ts', text: "import { parse } from '../grammar/parse.js'; import { Random } from '../support/random.js';" },
      { path: 'grammar/x.ts', text: "import type { Span } from '../diagnostics/diagnostic.js'; import { Lexer } from 'chevrotain';" },
    ];
    expect(importViolations(files)).toEqual([]);
  });
});
