/**
 * `ibc sweep` with the local launcher on the tiny synthetic spec (no Slurm
 * needed): zipped values, a member resumed from an interrupted run, an
 * idempotent second run, a member removed from the sweep, and `ibc results`
 * on the sweep directory and on a plain folder of runs.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ibc, REPO, requireBuiltCli } from '../fixtures/sweep.js';

let work = '';
beforeAll(() => {
  requireBuiltCli();
  work = mkdtempSync(join(tmpdir(), 'ibc-sweep-local-'));
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

const FAST = ['--limit-train', '96', '--limit-test', '64', '--attention', '0', '--backend', 'cpu'];

function writeSpec(sweepBody: string): string {
  const path = join(work, 'tiny-sweep.ibspec');
  writeFileSync(path, `extends ${JSON.stringify(join(REPO, 'specs', 'test', 'tiny-aib-qt.ibspec'))}\nname tiny\nsweep {\n${sweepBody}}\n`);
  return path;
}

function epochs(runDir: string): number[] {
  return readFileSync(join(runDir, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => (JSON.parse(l) as { epoch: number }).epoch);
}

describe('ibc sweep --launcher local', () => {
  it('runs zipped members, resumes an interrupted one, skips finished ones and never launches removed ones', async () => {
    const spec = writeSpec('  zip {\n    model.attention.beta in [0.001, 0.01]\n    train.optimizer.lr in [0.01, 0.02]\n  }\n');
    const out = join(work, 'sweep');
    const dry = await ibc(work, 'sweep', spec, 'train.epochs=2', '--out', out, '--dry-run', ...FAST);
    expect(dry.code).toBe(0);
    expect(dry.stderr).toContain('2 members: 0 finished, 2 to start');
    // Interrupt the first member by hand: one of its two epochs, then no summary.
    const first = join(out, 'tiny--beta=0.001--lr=0.01');
    const trained = await ibc(work, 'train', join(out, 'specs', 'tiny--beta=0.001--lr=0.01.ibspec'), '--out', first, '--epochs', '1', ...FAST);
    expect(trained.code).toBe(0);
    rmSync(join(first, 'summary.json'));
    // As a member of this sweep interrupted after its first epoch records itself: trained to the sweep's 2 epochs.
    const record = join(first, 'run.json');
    writeFileSync(record, readFileSync(record, 'utf8').replace('"epochs": 1,', '"epochs": 2,'));

    const r1 = await ibc(work, 'sweep', spec, 'train.epochs=2', '--out', out, '--jobs', '2', ...FAST);
    expect(r1.stderr).toContain('2 members: 0 finished, 1 to start, 1 to resume');
    expect(r1.stderr).toMatch(/\[\d\/2\] resume tiny--beta=0\.001--lr=0\.01/);
    expect(r1.stdout).toContain('2 of 2 members finished');
    expect(r1.code).toBe(0);
    expect(epochs(first)).toEqual([1, 2]);
    expect(readFileSync(join(out, 'logs', 'tiny--beta=0.001--lr=0.01.log'), 'utf8')).toContain('resuming');
    expect(existsSync(join(first, 'curves.png'))).toBe(true);

    const finishedAt = statSync(join(first, 'summary.json')).mtimeMs;
    const r2 = await ibc(work, 'sweep', spec, 'train.epochs=2', '--out', out, ...FAST);
    expect(r2.stderr).toContain('2 members: 2 finished, 0 to start');
    expect(r2.code).toBe(0);
    expect(statSync(join(first, 'summary.json')).mtimeMs).toBe(finishedAt);

    // Another budget for the same sweep folder is refused, naming the settings and the ways out; nothing changes.
    const before = readFileSync(join(out, 'sweep.json'), 'utf8');
    const budget = await ibc(work, 'sweep', spec, 'train.epochs=2', '--out', out, ...FAST.map((a) => (a === '96' ? '120' : a)));
    expect(budget.code).toBe(1);
    expect(budget.stderr).toContain('error IB6902');
    expect(budget.stderr).toContain('limit_train 96 -> 120');
    expect(budget.stderr).toContain('(--limit-train 96)');
    expect(readFileSync(join(out, 'sweep.json'), 'utf8')).toBe(before);

    // The sweep shrinks: the dropped member's spec goes, its run stays and is reported, nothing is launched.
    writeSpec('  zip {\n    model.attention.beta in [0.001]\n    train.optimizer.lr in [0.01]\n  }\n');
    const r3 = await ibc(work, 'sweep', spec, 'train.epochs=2', '--out', out, ...FAST);
    expect(r3.stderr).toContain('1 members: 1 finished, 0 to start');
    expect(r3.stderr).toContain('IB6704');
    expect(r3.stderr).toContain('tiny--beta=0.01--lr=0.02');
    expect(existsSync(join(out, 'specs', 'tiny--beta=0.01--lr=0.02.ibspec'))).toBe(false);
    expect(existsSync(join(out, 'tiny--beta=0.01--lr=0.02', 'summary.json'))).toBe(true);

    // A changed base (another spec hash) leaves the finished run alone.
    const r4 = await ibc(work, 'sweep', spec, 'train.epochs=3', '--out', out, '--dry-run', ...FAST);
    expect(r4.stderr).toContain('1 changed (left alone)');
    // ... and the final count agrees: a finished run of another spec is not a finished member.
    expect(r4.stdout).toContain('0 of 1 members finished');
    expect(r4.stderr).toContain('IB6703');

    // ibc results on the sweep directory: its members (the dropped one is no longer one), sortable.
    const table = await ibc(work, 'results', out, '--format', 'csv', '--no-plot', '--no-curves');
    expect(table.code).toBe(0);
    expect(table.stdout.split('\n')[0]).toMatch(/^member,dir,status,model\.attention\.beta,train\.optimizer\.lr,epochs,final_val_top1,best_val_top1,test_top1,/);
    expect(table.stdout.trim().split('\n').length).toBe(2);

    // ... and on a plain folder of runs: the swept values are the resolved-spec values that differ.
    const plain = join(work, 'plain');
    for (const name of ['tiny--beta=0.001--lr=0.01', 'tiny--beta=0.01--lr=0.02']) cpSync(join(out, name), join(plain, name), { recursive: true });
    rmSync(join(plain, 'tiny--beta=0.01--lr=0.02', 'curves.png'), { force: true });
    const md = await ibc(work, 'results', plain, '--format', 'markdown', '--sort', 'lr', '--desc', '--plot', 'best_val_top1', '--x', 'beta');
    expect(md.code).toBe(0);
    const lines = md.stdout.trim().split('\n');
    // The run column drops the prefix every folder shares; no status column when every run finished.
    expect(lines[0]).toMatch(/^\| run \| beta \| lr \| epochs \| final val top-1 \| best val top-1 \| test top-1 \|/);
    expect(lines.filter((l) => l.startsWith('|')).length).toBe(4);
    expect(lines[2]).toMatch(/^\| beta=0\.01--lr=0\.02 \| 0\.01 \| 0\.02 \| 2 \|/);
    expect(lines[3]).toMatch(/^\| beta=0\.001--lr=0\.01 \| 0\.001 \| 0\.01 \| 2 \|/);
    expect(md.stdout).toContain('Keys: beta = model.attention.beta, lr = train.optimizer.lr.');
    expect(existsSync(join(plain, 'best_val_top1-vs-beta.png'))).toBe(true);
    expect(existsSync(join(plain, 'tiny--beta=0.01--lr=0.02', 'curves.png'))).toBe(true);
  }, 150_000);

  it('reports unknown columns, empty folders and usage mistakes', async () => {
    const empty = mkdtempSync(join(work, 'empty-'));
    const none = await ibc(work, 'results', empty);
    expect(none.code).toBe(1);
    expect(none.stderr).toContain('IB6710');
    const spec = writeSpec('  model.attention.beta in [0.1]\n');
    const usage = await ibc(work, 'sweep', spec, '--launcher', 'pbs');
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain("--launcher must be local or slurm, got 'pbs'");
    const slurmOnly = await ibc(work, 'sweep', spec, '--partition', 'gpu');
    expect(slurmOnly.code).toBe(2);
    // Pinning the only swept path leaves no sweep: said, with the note of what the command line replaced.
    const pinned = await ibc(work, 'sweep', spec, 'model.attention.beta=0.5');
    expect(pinned.code).toBe(1);
    expect(pinned.stderr).toContain("override 'model.attention.beta=0.5':1:1: note IB3210");
    expect(pinned.stderr).toContain('has no sweep');
  });
});
