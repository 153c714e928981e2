/** cli/report.ts: file names relative to the working folder, colours only on a terminal, exit status. */
import { describe, expect, it } from 'vitest';
import { displayPath, exitStatusFor, forDisplay, printDiagnostics } from '../../src/cli/report.js';
import { diagnostic } from '../../src/diagnostics/catalog.js';
import type { Span } from '../../src/diagnostics/diagnostic.js';

const span = (file: string): Span => ({ file, start: { offset: 0, line: 1, column: 1 }, end: { offset: 4, line: 1, column: 5 } });

describe('report', () => {
  it('shows paths inside the working folder relative to it', () => {
    expect(displayPath('/w/specs/a.ibspec', '/w')).toBe('specs/a.ibspec');
    expect(displayPath('/elsewhere/a.ibspec', '/w')).toBe('/elsewhere/a.ibspec');
    expect(displayPath('rel.ibspec', '/w')).toBe('rel.ibspec');
    const [d] = forDisplay([diagnostic('duplicateKey', { span: span('/w/a.ibspec'), args: { name: 'x', where: 'y' }, related: [{ message: 'first', span: span('/w/b.ibspec') }] })], '/w');
    expect(d?.span?.file).toBe('a.ibspec');
    expect(d?.related?.[0]?.span.file).toBe('b.ibspec');
  });

  it('colours text only when stderr is a terminal', () => {
    const diags = [diagnostic('wrongType', { span: span('/w/a.ibspec'), args: { label: 'beta', expected: 'a number', actual: "'x'" } })];
    const sources = new Map([['/w/a.ibspec', 'beta x\n']]);
    for (const isTTY of [false, true]) {
      const err: string[] = [];
      printDiagnostics(diags, { stdout: () => {}, stderr: (t) => err.push(t), isTTY, cwd: '/w' }, { format: 'text', sources });
      expect(/\u001b\[/.test(err.join('')), String(isTTY)).toBe(isTTY);
      expect(err.join('')).toContain('beta x');
    }
  });

  it('fails only on errors', () => {
    expect(exitStatusFor([diagnostic('cropWithoutPadding')])).toBe(0);
    expect(exitStatusFor([diagnostic('wrnDepth', { args: { depth: 3 } })])).toBe(1);
    expect(exitStatusFor([])).toBe(0);
  });
});
