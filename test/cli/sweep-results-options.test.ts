/** `ibc sweep` and `ibc results` options through main(): one definition each (cli/define-command.ts), one-line usage errors; member spec files are never overrides. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/cli/main.js';
import { BASE_SPEC } from '../fixtures/spec-text.js';

let dir: string;

async function ibc(...argv: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const status = await main(argv, { stdout: (t) => out.push(t), stderr: (t) => err.push(t), isTTY: false, cwd: dir });
  return { status, stdout: out.join(''), stderr: err.join('') };
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'ibc-sweep-options-'));
  for (const f of ['train-images.gz', 'train-labels.gz', 'test-images.gz', 'test-labels.gz']) writeFileSync(join(dir, f), '');
  // Named like a sweep member (and like an override: `small--beta=...`).
  writeFileSync(join(dir, 'small--beta=0.1.ibspec'), BASE_SPEC);
  writeFileSync(join(dir, 'member--seed=2'), BASE_SPEC);
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('ibc sweep and ibc results options', () => {
  it('reports a misspelt sweep option in one line with the nearest option, exit 2', async () => {
    const r = await ibc('sweep', 'X', '--jbos', '2');
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe("ibc sweep: unknown option '--jbos'; did you mean --jobs? (see 'ibc sweep --help')\n");
  });

  it('reports a misspelt results option in one line with the nearest option, exit 2', async () => {
    const r = await ibc('results', 'X', '--fromat', 'csv');
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe("ibc results: unknown option '--fromat'; did you mean --format? (see 'ibc results --help')\n");
  });

  it('checks option values and combinations in one line', async () => {
    const launcher = await ibc('sweep', 'X', '--launcher', 'slrum');
    expect(launcher.status).toBe(2);
    expect(launcher.stderr).toBe("ibc sweep: --launcher must be local or slurm, got 'slrum'; did you mean slurm? (see 'ibc sweep --help')\n");
    const jobs = await ibc('sweep', 'X', '--jobs', '0');
    expect(jobs.stderr).toBe("ibc sweep: --jobs expects a whole number of at least 1, got '0' (see 'ibc sweep --help')\n");
    const slurmOnly = await ibc('sweep', 'X', '--sbatch=--nice=0');
    expect(slurmOnly.status).toBe(2);
    expect(slurmOnly.stderr).toBe("ibc sweep: --sbatch is for --launcher slurm (see 'ibc sweep --help')\n");
    const format = await ibc('results', 'X', '--format', 'jsno');
    expect(format.status).toBe(2);
    expect(format.stderr).toBe("ibc results: --format must be one of text, markdown, csv, json, got 'jsno'; did you mean json? (see 'ibc results --help')\n");
    const noDir = await ibc('results');
    expect(noDir.status).toBe(2);
    expect(noDir.stderr).toBe("ibc results: missing required argument 'DIR' (see 'ibc results --help')\n");
    const onlyOverride = await ibc('sweep', 'train.epochs=1');
    expect(onlyOverride.status).toBe(2);
    expect(onlyOverride.stderr).toBe("ibc sweep: missing required argument 'SPEC' (see 'ibc sweep --help')\n");
  });

  it('generates both helps from the definitions', async () => {
    const sweep = await ibc('sweep', '--help');
    expect(sweep.status).toBe(0);
    expect(sweep.stdout).toMatch(/^Usage: ibc sweep SPEC \[options\] \[key\.path=value\.\.\.\]\n/);
    expect(sweep.stdout).toMatch(/--sbatch <OPTION>\s+slurm: an extra sbatch option/);
    const results = await ibc('results', '--help');
    expect(results.stdout).toMatch(/^Usage: ibc results DIR \[options\]\n/);
    expect(results.stdout).toMatch(/--no-curves\s+do not draw/);
  });

  it('reads a bare member file name in the current folder as a file, not an override', async () => {
    // An existing file that ends in .ibspec: checked as a spec.
    const member = await ibc('check', 'small--beta=0.1.ibspec');
    expect(member.stderr).toBe('');
    expect(member.stdout).toBe('small--beta=0.1.ibspec: ok\n');
    expect(member.status).toBe(0);
    // An existing file without the extension is a file too.
    const plain = await ibc('check', 'member--seed=2');
    expect(plain.stdout).toBe('member--seed=2: ok\n');
    // A missing .ibspec is a missing file, not a malformed override.
    const missing = await ibc('sweep', 'gone--beta=0.1.ibspec');
    expect(missing.status).toBe(1);
    expect(missing.stderr).toContain('gone--beta=0.1.ibspec');
    expect(missing.stderr).not.toContain('override');
    expect(missing.stderr).not.toContain("missing required argument 'SPEC'");
  });
});
