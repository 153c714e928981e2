/**
 * Swept keys from the command line, Hydra style: `ibc train SPEC PATH=VALUE`
 * trains that value of a swept key, `ibc sweep SPEC PATH=a,b PATH2=c,d` sweeps
 * without editing the file, and a list where one run is made is refused.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ibc, REPO } from '../fixtures/sweep.js';

let work = '';
beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'ibc-cli-sweeps-'));
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

const TINY = join(REPO, 'specs', 'test', 'tiny-aib-qt.ibspec');

describe('swept keys on the command line', () => {
  it('ibc train SPEC PATH=VALUE trains that value of a key the spec sweeps', async () => {
    const spec = join(work, 'swept.ibspec');
    writeFileSync(spec, `extends ${JSON.stringify(TINY)}\nname swept\nsweep {\n  model.attention.beta in [0.001, 0.01]\n}\n`);
    const out = join(work, 'one');
    const r = await ibc(work, 'train', spec, 'model.attention.beta=0.5', '--out', out, '--epochs', '1', '--limit-train', '64', '--limit-test', '32', '--attention', '0', '--backend', 'cpu');
    expect(r.code).toBe(0);
    expect(r.stderr).toContain("note IB3210: the spec sweeps 'model.attention.beta' over [0.001, 0.01]; the command line sets 0.5 instead");
    const resolved = JSON.parse(readFileSync(join(out, 'resolved-spec.json'), 'utf8')) as { model: { attention: { beta: number } } };
    expect(resolved.model.attention.beta).toBe(0.5);
    expect(readFileSync(join(out, 'spec.ibspec'), 'utf8')).toMatch(/beta 0\.5\b/);

    const list = await ibc(work, 'train', spec, 'model.attention.beta=0.1,0.2', '--out', join(work, 'never'));
    expect(list.code).toBe(1);
    expect(list.stderr).toContain("error IB3500: 'model.attention.beta' is given 2 values: a list of values on the command line is a sweep");
  }, 60_000);

  it('ibc sweep SPEC PATH=a,b PATH2=c,d sweeps a spec that has no sweep; ibc expand lists the same members', async () => {
    const out = join(work, 'hydra');
    const r = await ibc(work, 'sweep', TINY, 'model.attention.beta=0.001,0.01', 'train.seed=1,2', 'train.epochs=1', '--out', out, '--dry-run');
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('4 members: 0 finished, 4 to start');
    const manifest = JSON.parse(readFileSync(join(out, 'sweep.json'), 'utf8')) as { swept: string[]; members: { name: string; values: Record<string, number> }[] };
    expect(manifest.swept).toEqual(['model.attention.beta', 'train.seed']);
    expect(manifest.members.map((m) => m.name)).toEqual(['tiny-aib-qt--beta=0.001--seed=1', 'tiny-aib-qt--beta=0.001--seed=2', 'tiny-aib-qt--beta=0.01--seed=1', 'tiny-aib-qt--beta=0.01--seed=2']);
    // Each generated spec sets its own values and the common override, never the list.
    const member = readFileSync(join(out, 'specs', 'tiny-aib-qt--beta=0.01--seed=2.ibspec'), 'utf8');
    expect(member).toContain('train.epochs 1');
    expect(member).toContain('model.attention.beta 0.01');
    expect(member).toContain('train.seed 2');
    expect(member).not.toContain('0.001,0.01');

    const listed = await ibc(work, 'expand', TINY, 'model.attention.beta=0.001,0.01', 'train.seed=1,2');
    expect(listed.code).toBe(0);
    expect(listed.stdout.trim().split('\n').map((l) => l.split(/\s+/)[0])).toEqual(manifest.members.map((m) => m.name));
  }, 60_000);
});
