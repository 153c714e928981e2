/**
 * Every per-op fact is a table keyed by the IR's op, typed over every op, so the
 * compiler itself refuses an op without its facts (house rule: never a switch
 * with a default). Checked by compiling the real sources with one edit made in
 * memory, through the TypeScript API (as typed-keys.test.ts does for spec keys):
 *
 * - the compiled step's table without one op's rule, and one rule without a fact
 *   (what its backward reads), each fail type-checking where the gap is;
 * - an op added to the IR (`OPS` and its attribute record) with none of its facts
 *   fails type-checking in every op table of src/, each naming the new op: these
 *   files are what adding an op means (docs/design.md, "Adding an op").
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');
const SRC = join(ROOT, 'src');

/** Every op-keyed table in src/, by file (relative to src/); the test fails when a file gains or loses one. */
const OP_TABLE_FILES = [
  'compiler/ir/op-facts.ts',
  'compiler/ir/shape.ts',
  'compiler/network/ir-builder.ts',
  'compiler/reference/interpret.ts',
  'compiler/targets/onnx/lowerings.ts',
  'compiler/targets/onnx/opset.ts',
  'compiler/targets/tfjs/lowerings.ts',
  'runtime/engine/compiled/step-rules.ts',
  'runtime/engine/executor/lowerings.ts',
];

/** A table typed over every op: a mapped type over Op or a Record keyed by Op. */
const OP_TABLE = /\[O in Op\]|Record<Op,/;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sourceFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));
}

function compilerOptions(): ts.CompilerOptions {
  const configPath = join(ROOT, 'tsconfig.json');
  const config = ts.readConfigFile(configPath, (path) => ts.sys.readFile(path));
  const parsed = ts.parseJsonConfigFileContent(config.config, ts.sys, ROOT, undefined, configPath);
  return { ...parsed.options, noEmit: true, declaration: false, sourceMap: false };
}

/** `text` with `from` replaced by `to`; throws (the test's own bug) when `from` is not there exactly once. */
function edit(text: string, from: string, to: string): string {
  const at = text.indexOf(from);
  if (at < 0 || text.indexOf(from, at + 1) >= 0) throw new Error(`the edit's anchor must occur once: ${JSON.stringify(from)}`);
  return text.slice(0, at) + to + text.slice(at + from.length);
}

/**
 * Type errors of `checked` (paths relative to src/) in a program rooted at them, with some
 * files' text replaced in memory; by file, each message flattened to one line.
 */
function typeErrors(checked: readonly string[], replaced: ReadonlyMap<string, string>, options: ts.CompilerOptions, oldProgram?: ts.Program): { program: ts.Program; errors: Map<string, string[]> } {
  const host = ts.createCompilerHost(options);
  const byPath = new Map([...replaced].map(([file, text]) => [join(SRC, file), text]));
  const readFile = host.readFile.bind(host);
  const getSourceFile = host.getSourceFile.bind(host);
  host.readFile = (fileName) => byPath.get(resolve(fileName)) ?? readFile(fileName);
  host.getSourceFile = (fileName, language, onError, shouldCreate) => {
    const text = byPath.get(resolve(fileName));
    return text === undefined ? getSourceFile(fileName, language, onError, shouldCreate) : ts.createSourceFile(fileName, text, language);
  };
  const roots = checked.map((file) => join(SRC, file));
  const program = ts.createProgram({ rootNames: roots, options, host, ...(oldProgram ? { oldProgram } : {}) });
  const errors = new Map<string, string[]>();
  for (const root of roots) {
    const source = program.getSourceFile(root);
    if (!source) throw new Error(`not in the program: ${root}`);
    const found = [...program.getSyntacticDiagnostics(source), ...program.getSemanticDiagnostics(source)].map((d) => ts.flattenDiagnosticMessageText(d.messageText, ' '));
    if (found.length > 0) errors.set(relative(SRC, root), found);
  }
  return { program, errors };
}

describe('per-op tables', () => {
  it('are every op-keyed table of src/', () => {
    const found = sourceFiles(SRC)
      .filter((file) => OP_TABLE.test(readFileSync(file, 'utf8')))
      .map((file) => relative(SRC, file))
      .sort();
    expect(found).toEqual([...OP_TABLE_FILES].sort());
  });

  it("refuse, at compile time, a step without one op's rule, a rule without a fact, and an op without its facts", () => {
    const options = compilerOptions();
    const read = (file: string): string => readFileSync(join(SRC, file), 'utf8');

    // The compiled step without Quantize's rule, and SampleMean's rule without what its backward reads.
    const gaps = typeErrors(
      ['runtime/engine/compiled/step-rules.ts', 'runtime/engine/compiled/ops/attention.ts'],
      new Map([
        ['runtime/engine/compiled/step-rules.ts', edit(read('runtime/engine/compiled/step-rules.ts'), '  Quantize: quantizeRule,\n', '')],
        [
          'runtime/engine/compiled/ops/attention.ts',
          edit(read('runtime/engine/compiled/ops/attention.ts'), "  alias: (_node, facts) => (facts.inputRows[0] === facts.batch ? 0 : undefined),\n  backwardReads: READS_NOTHING,\n", "  alias: (_node, facts) => (facts.inputRows[0] === facts.batch ? 0 : undefined),\n"),
        ],
      ]),
      options,
    );
    expect([...gaps.errors.keys()].sort()).toEqual(['runtime/engine/compiled/ops/attention.ts', 'runtime/engine/compiled/step-rules.ts']);
    expect(gaps.errors.get('runtime/engine/compiled/step-rules.ts')!.join('\n')).toMatch(/Quantize/);
    expect(gaps.errors.get('runtime/engine/compiled/ops/attention.ts')!.join('\n')).toMatch(/backwardReads/);

    // GroupNorm added to the IR with its attributes and nothing else: every table names it.
    const ir = read('compiler/ir/ir.ts');
    const withOp = edit(edit(ir, "  'SampleMean',\n] as const;", "  'SampleMean',\n  'GroupNorm',\n] as const;"), '  SampleMean: Record<string, never>;\n}', '  SampleMean: Record<string, never>;\n  GroupNorm: { readonly groups: number; readonly epsilon: number };\n}');
    const added = typeErrors(['compiler/ir/ir.ts', ...OP_TABLE_FILES], new Map([['compiler/ir/ir.ts', withOp]]), options, gaps.program);
    expect([...added.errors.keys()].sort()).toEqual([...OP_TABLE_FILES].sort());
    for (const [file, messages] of added.errors) expect(messages.join('\n'), file).toMatch(/GroupNorm/);
  }, 240_000);
});
