/**
 * Issue 24, case 1: nothing from a spec or a flag becomes shell code in a
 * Slurm submission. Spec strings with a newline (partition, time, mem,
 * sbatch) are refused by `ibc check` and `ibc sweep` at their source; the
 * same values as flags are usage errors; and a sweep whose folder name is full
 * of shell syntax runs through a stand-in `sbatch` (which runs the array's
 * tasks with bash, as Slurm would) without running any of it: the script is
 * a constant, the resources are sbatch's arguments, each task's command is
 * data read into an array.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ibc, REPO, requireBuiltCli } from '../fixtures/sweep.js';
import { isCleanOutcome, head } from '../fixtures/cli-run.js';
import { slurmScript, taskFile } from '../../src/runtime/jobs/sweep/slurm-launcher.js';
import type { SweepManifest } from '../../src/runtime/runs/sweep/manifest.js';

let work = '';
beforeAll(() => {
  requireBuiltCli();
  work = mkdtempSync(join(tmpdir(), 'ibc-slurm-inj-'));
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

const TINY = JSON.stringify(join(REPO, 'specs', 'test', 'tiny-aib-qt.ibspec'));
const FAST = ['train.epochs=1', '--limit-train', '64', '--limit-test', '32', '--attention', '0', '--backend', 'cpu'];

/** Files whose names start with PWNED anywhere under `dir` or in the working folder: what an injected command would leave. */
function pwned(dir: string): string[] {
  const found: string[] = [];
  const visit = (d: string): void => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      if (entry.name.startsWith('PWNED')) found.push(join(d, entry.name));
      if (entry.isDirectory()) visit(join(d, entry.name));
    }
  };
  visit(dir);
  return found;
}

describe('slurm values from a spec are data, never code', () => {
  const injected: readonly [string, string][] = [
    ['partition', 'slurm partition="gpu\\ntouch PWNED-partition"'],
    ['time', 'slurm time="1:00\\ntouch PWNED-time"'],
    ['mem', 'slurm mem="1G\\ntouch PWNED-mem"'],
    ['sbatch', 'slurm sbatch=["--account=lab\\ntouch PWNED-sbatch"]'],
  ];
  it.each(injected)('a newline in slurm %s: ibc check and ibc sweep refuse it where it is written; nothing is created', async (key, line) => {
    const spec = join(work, `inj-${key}.ibspec`);
    writeFileSync(spec, `extends ${TINY}\nname inj\nsweep {\n  seeds 1\n  ${line}\n}\n`);
    const check = await ibc(work, 'check', spec);
    expect(check.code, head(check)).toBe(1);
    expect(check.stderr).toMatch(new RegExp(`inj-${key}\\.ibspec:5:\\d+: error IB3451: sweep\\.\\d+\\.slurm\\.${key}(\\.0)? is ".*\\\\n.*": it holds a newline`));
    const out = join(work, `sweep-${key}`);
    const sweep = await ibc(work, 'sweep', spec, '--launcher', 'slurm', '--out', out);
    expect(sweep.code, head(sweep)).toBe(1);
    expect(sweep.stderr).toContain('IB3451');
    expect(existsSync(out)).toBe(false);
    expect(pwned(work)).toEqual([]);
  });

  it('Slurm syntax is checked as sbatch reads it; options that name files or commands are refused', async () => {
    const spec = join(work, 'bad-slurm.ibspec');
    writeFileSync(spec, `extends ${TINY}\nname bad\nsweep {\n  seeds 1\n  slurm partition="gpu;rm" time="4 hours" mem="16 GB" sbatch=["--output=/tmp/x", "-A lab", "--qos=short"]\n}\n`);
    const r = await ibc(work, 'check', spec);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('IB3452: slurm partition="gpu;rm" is refused');
    expect(r.stderr).toContain('IB3452: slurm time="4 hours" is refused');
    expect(r.stderr).toContain('IB3452: slurm mem="16 GB" is refused');
    expect(r.stderr).toContain('IB3453: slurm sbatch option "--output=/tmp/x" is refused: --output is not one of the sbatch options a sweep may set');
    expect(r.stderr).toContain('IB3453: slurm sbatch option "-A lab" is refused: it is not a long sbatch option');
    expect(r.stderr).not.toContain('"--qos=short" is refused');
    expect(r.stderr).toContain('5 errors');
  });

  it('the same values as flags are usage errors (exit 2), --out with a newline too', async () => {
    const spec = join(work, 'ok.ibspec');
    writeFileSync(spec, `extends ${TINY}\nname ok\nsweep {\n  seeds 1\n}\n`);
    for (const flags of [
      ['--partition', 'gpu\ntouch PWNED'],
      ['--time', '1:00\ntouch PWNED'],
      ['--mem', '1G;touch PWNED'],
      ['--sbatch=--wrap=touch PWNED'],
      ['--sbatch=--account=lab\ntouch PWNED'],
      ['--out', join(work, 'x\ntouch PWNED')],
    ]) {
      const r = await ibc(work, 'sweep', spec, '--launcher', 'slurm', ...flags);
      expect(r.code, `${flags.join(' ')}: ${head(r)}`).toBe(2);
      expect(isCleanOutcome(r)).toBe(true);
    }
    expect(pwned(work)).toEqual([]);
  });

  it('--slurm-node and --slurm-ibc: command line only, no control characters, a name for ibc only without --slurm-node', async () => {
    const spec = join(work, 'program.ibspec');
    writeFileSync(spec, `extends ${TINY}\nname program\nsweep {\n  seeds 1\n}\n`);
    const out = join(work, 'sweep-program');
    const newline = await ibc(work, 'sweep', spec, '--launcher', 'slurm', '--out', out, '--slurm-node', 'node\ntouch PWNED-node');
    expect(newline.code, head(newline)).toBe(2);
    expect(newline.stderr).toContain('--slurm-node');
    const names = await ibc(work, 'sweep', spec, '--launcher', 'slurm', '--out', out, '--slurm-node', 'node', '--slurm-ibc', 'ibc');
    expect(names.code, head(names)).toBe(2);
    expect(names.stderr).toContain('with --slurm-node, --slurm-ibc must be a path');
    const local = await ibc(work, 'sweep', spec, '--out', out, '--slurm-ibc', 'ibc');
    expect(local.code, head(local)).toBe(2);
    expect(local.stderr).toContain('--slurm-ibc is for --launcher slurm');
    expect(existsSync(out)).toBe(false);
    expect(pwned(work)).toEqual([]);
  });

  it('site setup lines come only from the command line: a spec cannot give them', async () => {
    const spec = join(work, 'setup.ibspec');
    writeFileSync(spec, `extends ${TINY}\nname setup\nsweep {\n  seeds 1\n  slurm setup="touch PWNED-setup"\n}\n`);
    const r = await ibc(work, 'check', spec);
    expect(r.code, head(r)).toBe(1);
    expect(isCleanOutcome(r)).toBe(true);
    expect(r.stderr).toContain('setup');
    expect(pwned(work)).toEqual([]);
  });
});

describe('the batch script runs each task command verbatim', () => {
  it('bash reads the task file into an array: quotes, $(...), backticks, ; and newlines stay data', () => {
    const dir = mkdtempSync(join(work, 'script-'));
    const hostile = ["it's", '$(touch PWNED-1)', '`touch PWNED-2`', 'a; touch PWNED-3', 'line\ntouch PWNED-4', '"quoted" $HOME', '*', '-n'];
    const output = join(dir, 'argv.json');
    const program = [process.execPath, '-e', 'require("fs").writeFileSync(process.argv[1], JSON.stringify(process.argv.slice(2)))', output];
    const task = { index: 3, name: 'm', action: 'start' as const, runDir: dir, specFile: join(dir, 's.ibspec'), logFile: join(dir, 'task.log'), trainArgs: hostile };
    mkdirSync(join(dir, 'tasks'));
    writeFileSync(join(dir, 'tasks', '3'), taskFile(task, program));
    writeFileSync(join(dir, 'array.sh'), slurmScript());
    const run = spawnSync('bash', [join(dir, 'array.sh'), join(dir, 'tasks')], { cwd: dir, env: { ...process.env, SLURM_ARRAY_TASK_ID: '3' }, encoding: 'utf8' });
    expect(run.status, run.stderr).toBe(0);
    expect(JSON.parse(readFileSync(output, 'utf8'))).toEqual(hostile);
    expect(pwned(dir)).toEqual([]);
    const missing = spawnSync('bash', [join(dir, 'array.sh'), join(dir, 'tasks')], { cwd: dir, env: { ...process.env, SLURM_ARRAY_TASK_ID: '9' }, encoding: 'utf8' });
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain('no member for array index 9');
  });
});

/** A stand-in for Slurm's client commands: sbatch records its arguments and runs each array task with bash; sacct reports how they ended. */
function fakeSlurm(dir: string): string {
  const bin = join(dir, 'fake-bin');
  mkdirSync(bin);
  const sbatch = [
    '#!/bin/bash',
    'printf "%s\\0" "$@" > "$FAKE_SLURM/sbatch.args"',
    'array=""',
    'for a in "$@"; do case "$a" in --array=*) array="${a#--array=}" ;; esac; done',
    'array="${array%%%*}"',
    'script="${@: -2:1}"; tasks="${@: -1}"',
    ': > "$FAKE_SLURM/states"',
    'for part in ${array//,/ }; do',
    '  first="${part%-*}"; last="${part#*-}"',
    '  for ((i = first; i <= last; i++)); do',
    '    if SLURM_ARRAY_TASK_ID=$i bash "$script" "$tasks"; then s=COMPLETED; else s=FAILED; fi',
    '    echo "77_$i|$s" >> "$FAKE_SLURM/states"',
    '  done',
    'done',
    'echo 77',
  ].join('\n');
  writeFileSync(join(bin, 'sbatch'), `${sbatch}\n`);
  writeFileSync(join(bin, 'squeue'), '#!/bin/bash\nexit 0\n');
  writeFileSync(join(bin, 'sacct'), '#!/bin/bash\ncat "$FAKE_SLURM/states"\n');
  for (const name of ['sbatch', 'squeue', 'sacct']) chmodSync(join(bin, name), 0o755);
  return bin;
}

describe('ibc sweep --launcher slurm through a stand-in sbatch', () => {
  it('a sweep folder named with shell syntax: the member trains, nothing injected runs, resources are sbatch arguments', async () => {
    const dir = mkdtempSync(join(work, 'fake-'));
    const bin = fakeSlurm(dir);
    const spec = join(dir, 'tiny-sweep.ibspec');
    writeFileSync(spec, `extends ${TINY}\nname tiny\nsweep {\n  seeds 1\n  slurm partition="debug" time="10:00" mem="900M" sbatch=["--comment=a b; touch PWNED-c"]\n}\n`);
    const out = join(dir, "sw'eep $(touch PWNED-out) `touch PWNED-tick`; touch PWNED-semi");
    // The user's own setup line (shell by design): it runs in each task, from the submission's setup.sh, never from the script.
    const setupLine = `echo "setup ran with OMP_NUM_THREADS=$OMP_NUM_THREADS" > '${join(dir, 'setup-ran')}'`;
    const saved = { PATH: process.env['PATH'], FAKE_SLURM: process.env['FAKE_SLURM'] };
    process.env['PATH'] = `${bin}:${process.env['PATH'] ?? ''}`;
    process.env['FAKE_SLURM'] = dir;
    let r;
    try {
      r = await ibc(dir, 'sweep', spec, '--launcher', 'slurm', '--out', out, '--poll', '1', '--sbatch=--qos=short', '--sbatch=--signal=USR1@120', '--cpus-per-task', '1', '--slurm-setup', setupLine, ...FAST);
    } finally {
      for (const [k, v] of Object.entries(saved)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    }
    expect(r.code, head(r, 30)).toBe(0);
    expect(r.stdout).toContain('1 of 1 members finished');
    expect(pwned(dir)).toEqual([]);
    const args = readFileSync(join(dir, 'sbatch.args'), 'utf8').split('\0').slice(0, -1);
    for (const arg of ['--partition=debug', '--time=10:00', '--mem=900M', '--comment=a b; touch PWNED-c', '--qos=short', '--signal=USR1@120', '--cpus-per-task=1', `--output=${join(out, 'logs', 'slurm-%A_%a.out')}`]) expect(args).toContain(arg);
    // The script is the constant text; the setup line sits in its own file beside the task files, and ran.
    expect(readFileSync(join(out, 'slurm-array.sh'), 'utf8')).toBe(slurmScript());
    const tasks = args.at(-1)!;
    expect(readFileSync(join(tasks, 'setup.sh'), 'utf8')).toContain(`${setupLine}\n`);
    expect(readFileSync(join(dir, 'setup-ran'), 'utf8')).toBe('setup ran with OMP_NUM_THREADS=1\n');
    const manifest = JSON.parse(readFileSync(join(out, 'sweep.json'), 'utf8')) as SweepManifest;
    expect(manifest.launches[0]!.sbatch).toEqual(args.slice(0, -2));
    expect(existsSync(join(out, 'tiny--seed=1', 'summary.json'))).toBe(true);
  });
});
