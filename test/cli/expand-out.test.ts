/** `ibc expand --out`: generated member files follow the sweep (stale ones removed, others' files kept), overrides included. */
import { describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ibc, REPO } from '../fixtures/sweep.js';

describe('ibc expand --out', () => {
  it('removes members that left the sweep and keeps files it did not write', async () => {
    const work = mkdtempSync(join(tmpdir(), 'ibc-expand-'));
    const spec = join(work, 'ex.ibspec');
    const write = (values: string) => writeFileSync(spec, `extends ${JSON.stringify(join(REPO, 'specs', 'test', 'tiny-aib-qt.ibspec'))}\nname ex\nsweep {\n  model.attention.beta in [${values}]\n}\n`);
    write('0.1, 0.2, 0.3');
    expect((await ibc(work, 'expand', spec, '--out', 'out')).code).toBe(0);
    writeFileSync(join(work, 'out', 'mine.ibspec'), 'name mine\n');
    write('0.1');
    const r = await ibc(work, 'expand', spec, 'train.epochs=1', '--out', 'out');
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('removed out/ex--beta=0.2.ibspec (no longer a member of the sweep)');
    expect(readdirSync(join(work, 'out')).sort()).toEqual(['ex--beta=0.1.ibspec', 'mine.ibspec']);
    expect(readFileSync(join(work, 'out', 'ex--beta=0.1.ibspec'), 'utf8')).toContain('train.epochs 1\nmodel.attention.beta 0.1\n');
    const checked = await ibc(work, 'check', join(work, 'out', 'ex--beta=0.1.ibspec'));
    expect(checked.code).toBe(0);
    expect(existsSync(join(work, 'out', 'ex--beta=0.3.ibspec'))).toBe(false);
    rmSync(work, { recursive: true, force: true });
  });
});
