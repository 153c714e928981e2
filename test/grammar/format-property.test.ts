/**
 * Property tests: for random syntax trees, format → parse gives the same tree
 * (spans aside) and formatting is a fixed point; comments sprinkled into the
 * formatted text survive in order; the same tree written in a random messy
 * layout (spacing, ';', lists over several lines, comments everywhere) parses
 * to that tree and formats to the canonical text. fast-check runs with a
 * fixed seed; layout choices come from the project's seeded RNG.
 */
import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import type { Block, Identifier, OptionArg, SpecFile, Statement, Value } from '../../src/grammar/ast.js';
import type { Span } from '../../src/diagnostics/diagnostic.js';
import { formatSpec } from '../../src/grammar/format.js';
import { parseSpec } from '../../src/grammar/parse.js';
import { withoutSpans } from '../fixtures/grammar.js';
import { formatValue } from '../../src/grammar/format.js';
import { Random } from '../../src/support/random.js';
import { present } from '../fixtures/present.js';
import { pick } from '../fixtures/fuzz.js';

const SEED = 20261124;
const span: Span = { file: 'p.ibspec', start: { offset: 0, line: 1, column: 1 }, end: { offset: 0, line: 1, column: 1 } };

const identifier = fc
  .tuple(fc.constantFrom(...'abcxyzABZ_'), fc.array(fc.constantFrom(...'abcxyz019_-'), { maxLength: 8 }))
  .map(([first, rest]) => first + rest.join(''))
  .filter((name) => name !== 'true' && name !== 'false');

const digits = (min: number, max: number) =>
  fc.array(fc.constantFrom(...'0123456789'), { minLength: min, maxLength: max }).map((d) => d.join(''));

const numberRaw = fc
  .tuple(fc.boolean(), digits(1, 6), fc.option(digits(1, 4)), fc.option(fc.tuple(fc.constantFrom('e', 'E'), fc.constantFrom('', '+', '-'), digits(1, 2))))
  .map(([negative, int, fraction, exponent]) => `${negative ? '-' : ''}${int}${fraction !== null ? `.${fraction}` : ''}${exponent ? exponent.join('') : ''}`);

const scalar: fc.Arbitrary<Value> = fc.oneof(
  numberRaw.map((raw): Value => ({ kind: 'Number', value: Number(raw), raw, span })),
  fc.string({ unit: 'binary', maxLength: 12 }).map((value): Value => ({ kind: 'String', value, span })),
  identifier.map((name): Value => ({ kind: 'IdentifierValue', name, span })),
  fc.boolean().map((value): Value => ({ kind: 'Boolean', value, span })),
  fc.array(fc.nat(4096), { minLength: 2, maxLength: 4 }).map((values): Value => ({ kind: 'Dims', values, span })),
);

const value: fc.Arbitrary<Value> = fc.letrec<{ value: Value }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    scalar,
    fc.array(tie('value'), { maxLength: 4 }).map((items): Value => ({ kind: 'List', items, span })),
  ),
})).value;

const option: fc.Arbitrary<OptionArg> = fc
  .tuple(identifier, value)
  .map(([name, v]) => ({ kind: 'OptionArg', name: { kind: 'Identifier', name, span }, value: v, span }));

const statement: fc.Arbitrary<Statement> = fc.letrec<{ statement: Statement }>((tie) => ({
  statement: fc
    .tuple(
      fc.array(identifier, { minLength: 1, maxLength: 3 }),
      fc.array(value, { maxLength: 3 }),
      fc.array(option, { maxLength: 3 }),
      fc.option(fc.array(tie('statement'), { maxLength: 3 }), { depthSize: 'small' }),
    )
    .map(([key, args, options, inner]): Statement => {
      const block: Block | undefined = inner === null ? undefined : { kind: 'Block', statements: inner, span };
      const [first, ...rest] = key.map((name): Identifier => ({ kind: 'Identifier', name, span }));
      return {
        kind: 'Statement',
        key: [present(first, 'a key (minLength 1)'), ...rest],
        args,
        options,
        ...(block ? { block } : {}),
        span,
      };
    }),
})).statement;

const specFile: fc.Arbitrary<SpecFile> = fc
  .array(statement, { maxLength: 5 })
  .map((statements) => ({ kind: 'SpecFile', file: 'p.ibspec', statements, comments: [], span }));

function parseClean(text: string): SpecFile {
  const result = parseSpec(text, 'p.ibspec');
  if (result.diagnostics.length > 0 || !result.value) {
    throw new Error(`did not parse:\n${text}\n${result.diagnostics.map((d) => d.message).join('\n')}`);
  }
  return result.value;
}

const commentText = fc
  .string({ unit: 'grapheme', maxLength: 16 })
  .map((s) => s.replace(/[\r\n]/g, ' ').trimEnd());

describe('formatter properties', () => {
  test('format → parse gives back the same tree, and formatting is a fixed point', () => {
    fc.assert(
      fc.property(specFile, (file) => {
        const text = formatSpec(file);
        const reparsed = parseClean(text);
        expect(withoutSpans(reparsed.statements)).toEqual(withoutSpans(file.statements));
        expect(formatSpec(reparsed)).toBe(text);
      }),
      { seed: SEED, numRuns: 100 },
    );
  });

  test('comments added anywhere in formatted text are kept, in order, and the result is a fixed point', () => {
    const withComments = specFile.chain((file) => {
      const lines = formatSpec(file).split('\n').slice(0, -1);
      return fc
        .tuple(
          fc.constant(file),
          fc.array(fc.tuple(fc.constantFrom('none', 'own-line', 'trailing'), commentText), { minLength: lines.length + 1, maxLength: lines.length + 1 }),
        )
        .map(([f, edits]) => {
          const out: string[] = [];
          const texts: string[] = [];
          lines.forEach((line, i) => {
            const [where, text] = present(edits[i], `the edit of line ${i}`);
            const indent = line.length - line.trimStart().length;
            if (where === 'own-line') {
              out.push(`${' '.repeat(indent)}#${text}`, line);
              texts.push(text);
            } else if (where === 'trailing') {
              out.push(`${line}  #${text}`);
              texts.push(text);
            } else {
              out.push(line);
            }
          });
          const [where, text] = present(edits[lines.length], 'the edit after the last line');
          if (where !== 'none') {
            out.push(`#${text}`);
            texts.push(text);
          }
          return { file: f, source: `${out.join('\n')}\n`, texts };
        });
    });
    fc.assert(
      fc.property(withComments, ({ file, source, texts }) => {
        const parsed = parseClean(source);
        const formatted = formatSpec(parsed);
        const reparsed = parseClean(formatted);
        expect(withoutSpans(reparsed.statements)).toEqual(withoutSpans(file.statements));
        expect(reparsed.comments.map((c) => c.text)).toEqual(texts);
        expect(formatSpec(reparsed)).toBe(formatted);
      }),
      { seed: SEED, numRuns: 100 },
    );
  });

  test('any legal layout of a tree parses to that tree and formats to the canonical text', () => {
    fc.assert(
      fc.property(specFile, fc.nat(), (file, seed) => {
        const messy = new MessyPrinter(Random.fromSeed(seed)).file(file.statements);
        const parsed = parseClean(messy.text);
        expect(withoutSpans(parsed.statements)).toEqual(withoutSpans(file.statements));
        expect(parsed.comments).toHaveLength(messy.comments);
        const formatted = formatSpec(parsed);
        expect(formatted).toBe(formatSpec(parseClean(formatted)));
        expect(parseClean(formatted).comments).toHaveLength(messy.comments);
        // apart from comments and blank lines, the canonical text depends on the tree alone
        // (an empty block that holds a comment stays open: `a {` ... `}`)
        const strip = (t: string) =>
          t
            .split('\n')
            .map((l) => l.replace(/\s*#.*$/, ''))
            .filter((l) => l.trim() !== '')
            .join('\n')
            .replace(/\{\n\s*\}/g, '{}');
        expect(strip(formatted)).toBe(strip(formatSpec(file)));
      }),
      { seed: SEED, numRuns: 100 },
    );
  });
});

/** Writes a tree with random legal spacing, terminators, line breaks inside lists and comments. */
class MessyPrinter {
  private out = '';
  comments = 0;

  constructor(private readonly random: Random) {}

  private chance(p: number): boolean {
    return this.random.next() < p;
  }

  private space(): string {
    return pick(this.random, [' ', '  ', '\t', ' \t ']);
  }

  private comment(): string {
    this.comments++;
    return `#${['', ' note', ' {[;"', '#'][this.random.int(4)]}\n`;
  }

  /** A line break, sometimes after a comment, sometimes with blank lines. */
  private newline(): string {
    let text = this.chance(0.3) ? `${this.space()}${this.comment()}` : '\n';
    if (this.chance(0.2)) text += '\n\n';
    if (this.chance(0.2)) text += `${this.space()}${this.comment()}`;
    return text;
  }

  file(statements: readonly Statement[]): { text: string; comments: number } {
    if (this.chance(0.3)) this.out += this.comment();
    this.statements(statements, true);
    return { text: this.out, comments: this.comments };
  }

  private statements(statements: readonly Statement[], topLevel: boolean): void {
    statements.forEach((statement, i) => {
      if (this.chance(0.3)) this.out += this.space();
      this.statement(statement);
      const last = i === statements.length - 1;
      if (last && !topLevel && this.chance(0.5)) return; // '}' may end the last statement
      this.out += this.chance(0.3) ? `${this.space()};${this.chance(0.5) ? this.space() : this.newline()}` : this.newline();
    });
  }

  private statement(statement: Statement): void {
    this.out += statement.key.map((k) => k.name).join(this.chance(0.2) ? ' . ' : '.');
    for (const arg of statement.args) this.out += `${this.space()}${this.value(arg)}`;
    for (const option of statement.options) {
      const eq = this.chance(0.3) ? `${this.space()}=${this.space()}` : '=';
      this.out += `${this.space()}${option.name.name}${eq}${this.value(option.value)}`;
    }
    if (statement.block) {
      this.out += `${this.chance(0.5) ? this.space() : ''}{`;
      this.out += this.chance(0.5) ? this.newline() : this.space();
      this.statements(statement.block.statements, false);
      this.out += `${this.chance(0.5) ? this.space() : ''}}`;
    }
  }

  /** Lists may break lines (and hold comments) after '[', around ',' and before ']'. */
  private value(value: Value): string {
    if (value.kind !== 'List') return formatValue(value);
    const gap = () => (this.chance(0.3) ? this.newline() : this.chance(0.5) ? this.space() : '');
    let text = `[${gap()}`;
    value.items.forEach((item, i) => {
      if (i > 0) text += `${gap()},${gap()}`;
      text += this.value(item);
    });
    return `${text}${gap()}]`;
  }
}

