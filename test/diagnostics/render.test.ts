/** Rendering diagnostics: exact code frames, carets, help and notes, the summary line, and the JSON form. */
import { describe, expect, test } from 'vitest';
import type { Diagnostic, Span } from '../../src/diagnostics/diagnostic.js';
import { diagnosticsToJson, renderDiagnostics, summary } from '../../src/diagnostics/render.js';
import { parseSpec } from '../../src/grammar/parse.js';
import { LineMap } from '../../src/grammar/source-text.js';
import { present } from '../fixtures/present.js';

const FILE = 'model.ibspec';

function spanOf(source: string, start: number, end: number): Span {
  return new LineMap(source, FILE).span(start, end);
}

function render(source: string, diagnostics: readonly Diagnostic[]): string {
  return renderDiagnostics(diagnostics, new Map([[FILE, source]]));
}

describe('renderDiagnostics', () => {
  test('a parser error: location, code, message, the line and a caret under the span', () => {
    const source = 'model {\n  conv 32 kernel=\n}\n';
    const result = parseSpec(source, FILE);
    expect(render(source, result.diagnostics)).toBe(
      [
        "model.ibspec:2:18: error IB1201: expected a value after '=' but found end of line",
        '  2 |   conv 32 kernel=',
        '    |                  ^',
        '',
        '1 error',
        '',
      ].join('\n'),
    );
  });

  test('carets cover the whole span; help and related notes follow', () => {
    const source = 'train {\n  optimiser sgd lr=0.1\n}\n';
    const start = source.indexOf('optimiser');
    const d: Diagnostic = {
      code: 'IB3001',
      severity: 'error',
      message: "unknown key 'optimiser' in 'train'",
      span: spanOf(source, start, start + 'optimiser'.length),
      suggestion: 'optimizer',
      related: [{ message: "the section 'train' starts here", span: spanOf(source, 0, 5) }],
    };
    expect(render(source, [d])).toBe(
      [
        "model.ibspec:2:3: error IB3001: unknown key 'optimiser' in 'train'",
        '  2 |   optimiser sgd lr=0.1',
        '    |   ^^^^^^^^^',
        "  help: did you mean 'optimizer'?",
        "  note: model.ibspec:1:1: the section 'train' starts here",
        '',
        '1 error',
        '',
      ].join('\n'),
    );
  });

  test('several diagnostics, warnings counted apart; the gutter fits the widest line number', () => {
    const source = `${'a 1\n'.repeat(9)}b 2\n`;
    const w: Diagnostic = { code: 'IB3100', severity: 'warning', message: 'unused', span: spanOf(source, 0, 1) };
    const e: Diagnostic = { code: 'IB3101', severity: 'error', message: 'bad', span: spanOf(source, 36, 39) };
    expect(render(source, [w, e])).toBe(
      [
        'model.ibspec:1:1: warning IB3100: unused',
        '  1 | a 1',
        '    | ^',
        '',
        'model.ibspec:10:1: error IB3101: bad',
        '  10 | b 2',
        '     | ^^^',
        '',
        '1 error, 1 warning',
        '',
      ].join('\n'),
    );
  });

  test('a multi-line span shows each line, underlined from the start and to the end', () => {
    const source = 'warmup lrs=[0.001,\n            0.01]\nseed 1\n';
    const start = source.indexOf('[');
    const end = source.indexOf(']') + 1;
    const d: Diagnostic = { code: 'IB2001', severity: 'error', message: 'too many values', span: spanOf(source, start, end) };
    expect(render(source, [d])).toBe(
      [
        'model.ibspec:1:12: error IB2001: too many values',
        '  1 | warmup lrs=[0.001,',
        '    |            ^^^^^^^',
        '  2 |             0.01]',
        '    |             ^^^^^',
        '',
        '1 error',
        '',
      ].join('\n'),
    );
  });

  test('a long multi-line span shows its first and last two lines', () => {
    const source = `b {\n${'  c 1\n'.repeat(8)}}\n`;
    const d: Diagnostic = { code: 'IB3002', severity: 'error', message: 'block', span: spanOf(source, 0, source.length - 1) };
    expect(render(source, [d])).toBe(
      [
        'model.ibspec:1:1: error IB3002: block',
        '   1 | b {',
        '     | ^^^',
        '   2 |   c 1',
        '     |   ^^^',
        '     ...',
        '   9 |   c 1',
        '     |   ^^^',
        '  10 | }',
        '     | ^',
        '',
        '1 error',
        '',
      ].join('\n'),
    );
  });

  test('tabs are expanded and carets stay aligned under wide characters; columns count code points', () => {
    const source = '\tname "\u{1F600}\u4E2D" @\n';
    const result = parseSpec(source, FILE);
    expect(render(source, result.diagnostics)).toBe(
      [
        "model.ibspec:1:12: error IB1002: unexpected character '@'",
        '  1 |     name "\u{1F600}\u4E2D" @',
        '    |                 ^',
        '',
        '1 error',
        '',
      ].join('\n'),
    );
  });

  test('a byte-order mark takes no column', () => {
    const source = '\uFEFFa @\n';
    expect(render(source, parseSpec(source, FILE).diagnostics)).toBe(
      ["model.ibspec:1:3: error IB1002: unexpected character '@'", '  1 | a @', '    |   ^', '', '1 error', ''].join('\n'),
    );
  });

  test('an error at end of file points just after the last token', () => {
    const source = 'model {\n  classes 10\n';
    const result = parseSpec(source, FILE);
    expect(render(source, result.diagnostics)).toBe(
      [
        "model.ibspec:2:13: error IB1201: expected '}' to close the block but found end of file",
        '  2 |   classes 10',
        '    |             ^',
        "  note: model.ibspec:1:7: this '{' is never closed",
        '',
        '1 error',
        '',
      ].join('\n'),
    );
  });

  test('a very long line is shown as a window around the span', () => {
    const source = `x ${'a '.repeat(200)}@\n`;
    const result = parseSpec(source, FILE);
    const [, text, underline] = render(source, result.diagnostics).split('\n');
    expect(text?.length).toBeLessThan(140);
    expect(text).toMatch(/^ {2}1 \| …(a )+@$/);
    expect(present(underline, 'the underline').indexOf('^')).toBe(present(text, 'the source line').indexOf('@'));
  });

  test('without a span or without the source, only the header is printed', () => {
    const d: Diagnostic = { code: 'IB6001', severity: 'error', message: "cannot read 'x.ibspec'" };
    expect(render('', [d])).toBe("error IB6001: cannot read 'x.ibspec'\n\n1 error\n");
    const other: Diagnostic = { ...d, span: spanOf('abc', 0, 1) };
    expect(renderDiagnostics([other], new Map())).toBe("model.ibspec:1:1: error IB6001: cannot read 'x.ibspec'\n\n1 error\n");
  });

  test('colour wraps the severity, the carets and the gutter in ANSI codes', () => {
    const source = 'a @\n';
    const text = renderDiagnostics(parseSpec(source, FILE).diagnostics, new Map([[FILE, source]]), { color: true });
    expect(text).toContain('\u001b[1;31merror IB1002\u001b[0m');
    expect(text).toContain('\u001b[1;31m^\u001b[0m');
    expect(text.replace(/\u001b\[[0-9;]*m/g, '')).toBe(render(source, parseSpec(source, FILE).diagnostics));
  });

  test('no diagnostics render as nothing', () => {
    expect(renderDiagnostics([], new Map())).toBe('');
  });
});

describe('summary', () => {
  const d = (severity: Diagnostic['severity']): Diagnostic => ({ code: 'IB1', severity, message: '' });
  test('counts errors, warnings and notes with plurals', () => {
    expect(summary([d('error'), d('error'), d('warning')])).toBe('2 errors, 1 warning');
    expect(summary([d('warning'), d('warning')])).toBe('2 warnings');
    expect(summary([d('error'), d('info')])).toBe('1 error, 1 note');
  });
});

describe('diagnosticsToJson', () => {
  test('flat records with 1-based positions, suggestion only when present', () => {
    const source = 'model {\n  conv 32 kernel=\n}\n';
    const [json] = diagnosticsToJson(parseSpec(source, FILE).diagnostics);
    expect(json).toEqual({
      file: FILE,
      line: 2,
      column: 18,
      endLine: 2,
      endColumn: 19,
      severity: 'error',
      code: 'IB1201',
      message: "expected a value after '=' but found end of line",
    });
    expect(Object.keys(present(json, 'the JSON record'))).not.toContain('suggestion');
  });

  test('a diagnostic without a span has file "" and line/column 0', () => {
    const d: Diagnostic = { code: 'IB6001', severity: 'error', message: 'm', suggestion: 's' };
    expect(diagnosticsToJson([d])).toEqual([
      { file: '', line: 0, column: 0, endLine: 0, endColumn: 0, severity: 'error', code: 'IB6001', message: 'm', suggestion: 's' },
    ]);
  });
});
