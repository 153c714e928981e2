/** `ibc explain CODE`: every catalog code has a long explanation, an example and a fix. */
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { allMessages } from '../../src/diagnostics/catalog.js';
import { allExplained } from '../../src/diagnostics/explanations.js';

async function ibc(...argv: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const status = await main(argv, { stdout: (t) => out.push(t), stderr: (t) => err.push(t), isTTY: false, cwd: '/' });
  return { status, stdout: out.join(''), stderr: err.join('') };
}

describe('ibc explain', () => {
  it('covers every catalog code with an explanation, an example and a fix', async () => {
    const codes = allMessages().map((m) => m.code).sort();
    expect(allExplained().map((e) => e.template.code)).toEqual(codes);
    for (const code of codes) {
      const r = await ibc('explain', code);
      expect(r.status, code).toBe(0);
      const [title, , body, , exampleTitle] = r.stdout.split('\n');
      expect(title, code).toMatch(new RegExp(`^${code} \\((error|warning|info)\\): `));
      expect(body!.length, code).toBeGreaterThan(40);
      expect(exampleTitle, code).toBe('Example:');
      expect(r.stdout, code).toMatch(/\nFix: .{10,}\n$/);
    }
  });

  it('explains IB4005 with its example', async () => {
    const r = await ibc('explain', 'ib4005');
    expect(r.stdout).toContain('IB4005 (error)');
    expect(r.stdout).toContain('stride=2');
    expect((await ibc('explain', '4005')).stdout).toBe(r.stdout);
  });

  it('suggests a code for a slip and exits 2', async () => {
    const r = await ibc('explain', 'IB4050');
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^ibc explain: unknown code 'IB4050'; did you mean IB\d{4}\?/);
  });

  it('lists every code', async () => {
    const r = await ibc('explain', '--list');
    expect(r.stdout.trim().split('\n')).toHaveLength(allMessages().length);
  });
});
