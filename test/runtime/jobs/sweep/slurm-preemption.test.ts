/**
 * Preemption and time limits on Slurm (issue 21): what ibc asks of sbatch (--requeue, a default
 * --signal=B:USR1@120 with a time limit of at least 10 minutes and none of the user's), the
 * constant script passing SIGUSR1 on to the member and requeueing its own array task when the
 * member stopped with a checkpoint (exit 138), and the follower's lines for a requeued task.
 * The script runs here under bash with a stand-in `scontrol` on PATH; the real cluster case is in
 * test/cli/sweep-slurm.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, existsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { timeLimitSeconds } from '../../../../src/compiler/spec/slurm-values.js';
import { memberEventLine, outcomeOf, phaseOf, preemptionArguments, signalMissProblem, slurmScript, taskEvents, taskFile, type TaskRow } from '../../../../src/runtime/jobs/sweep/slurm-launcher.js';

describe('what ibc asks of sbatch for preemption', () => {
  it('reads time limits as sbatch does', () => {
    expect([timeLimitSeconds('10'), timeLimitSeconds('9:30'), timeLimitSeconds('1:00:00'), timeLimitSeconds('1-12'), timeLimitSeconds('2-0:30'), timeLimitSeconds('0-0:0:45')]).toEqual([600, 570, 3600, 129_600, 174_600, 45]);
    expect([timeLimitSeconds('UNLIMITED'), timeLimitSeconds('infinite'), timeLimitSeconds('1h')]).toEqual([undefined, undefined, undefined]);
  });

  it('--requeue always, and the warning only with a time limit of 10 minutes or more and no --signal of the user', () => {
    const base = { jobName: 'j', extra: [] as string[] };
    expect(preemptionArguments({ ...base, time: '4:00:00' })).toEqual(['--requeue', '--signal=B:USR1@120']);
    expect(preemptionArguments({ ...base, time: '10' })).toEqual(['--requeue', '--signal=B:USR1@120']);
    expect(preemptionArguments({ ...base, time: '9' })).toEqual(['--requeue']);
    expect(preemptionArguments(base)).toEqual(['--requeue']);
    expect(preemptionArguments({ ...base, time: 'UNLIMITED' })).toEqual(['--requeue']);
    expect(preemptionArguments({ ...base, time: '4:00:00', extra: ['--signal=B:USR1@600'] })).toEqual(['--requeue']);
    expect(preemptionArguments({ ...base, time: '4:00:00', extra: ['#SBATCH --no-requeue'] })).toEqual(['--signal=B:USR1@120']);
    expect(preemptionArguments({ ...base, extra: ['--requeue'] })).toEqual([]);
  });

  it('warns (IB6904) of a --signal of the user that will not reach ibc train', () => {
    const missed = (line: string) => signalMissProblem({ jobName: 'j', extra: ['--account=lab', line] });
    expect(missed('--signal=USR1@120')).toEqual({ value: 'USR1@120', reason: "without B: Slurm signals the job's steps, not the batch script, and a member runs in the batch script" });
    expect(missed('#SBATCH --signal=R:10@60')?.reason).toContain('without B:');
    expect(missed('--signal=B:TERM@120')).toEqual({ value: 'B:TERM@120', reason: 'the batch script passes only SIGUSR1 on to the member' });
    expect([missed('--signal=B:USR1@300'), missed('--signal=B:10'), missed('--signal=b:SIGUSR1@90'), missed('--nice=0')]).toEqual([undefined, undefined, undefined, undefined]);
  });
});

describe('the follower and a requeued task', () => {
  const task = { index: 2, name: 'm', action: 'start' as const, runDir: '/s/m', specFile: '/s/specs/m.ibspec', logFile: '/s/logs/m.log', trainArgs: [] };
  const row = (state: string, restarts: number, finished = false): TaskRow => ({ task, jobId: '7', state, phase: phaseOf(state, finished), restarts });
  /** The lines a series of looks prints. */
  const lines = (looks: TaskRow[]): string[] => {
    let seen = { phase: 'pending' as TaskRow['phase'], restarts: 0 };
    const out: string[] = [];
    for (const look of looks) {
      const next = taskEvents(look, seen);
      seen = next.seen;
      for (const event of next.events) {
        const line = memberEventLine(event);
        if (line !== undefined) out.push(line);
      }
    }
    return out;
  };

  it('one line per event: running, requeued, running again, done', () => {
    expect(lines([row('PENDING', 0), row('RUNNING', 0), row('RUNNING', 0), row('COMPLETING', 1), row('PENDING', 1), row('PENDING', 1), row('RUNNING', 1), row('COMPLETED', 1, true)])).toEqual([
      'running: m (job 7_2)',
      'requeued: m (job 7_2, restart 1; it resumes from its checkpoint)',
      'running: m (job 7_2)',
      'done: m',
    ]);
  });

  it('a requeue between two looks still gets its line', () => {
    expect(lines([row('RUNNING', 0), row('RUNNING', 1), row('COMPLETED', 1, true)])).toEqual(['running: m (job 7_2)', 'requeued: m (job 7_2, restart 1; it resumes from its checkpoint)', 'running: m (job 7_2)', 'done: m']);
    expect(lines([row('RUNNING', 0), row('COMPLETED', 1, true)])).toEqual(['running: m (job 7_2)', 'requeued: m (job 7_2, restart 1; it resumes from its checkpoint)', 'done: m']);
  });

  it('the launch records how often a task was requeued', () => {
    expect(outcomeOf(row('COMPLETED', 0, true))).toBe('COMPLETED');
    expect(outcomeOf(row('COMPLETED', 1, true))).toBe('COMPLETED (requeued 1 time)');
    expect(outcomeOf(row('COMPLETED', 3, true))).toBe('COMPLETED (requeued 3 times)');
  });
});

/** Runs the constant script for array task 3 of job 55 with `member` as the member's program; sends SIGUSR1 to the script once the member has started. */
function runScript(dir: string, member: string, scontrolStatus: number): Promise<{ code: number | null; log: string; scontrol: string }> {
  const bin = join(dir, 'bin');
  mkdirSync(bin);
  writeFileSync(join(bin, 'scontrol'), `#!/bin/bash\nprintf '%s\\n' "$*" >> "${join(dir, 'scontrol.args')}"\nexit ${scontrolStatus}\n`);
  chmodSync(join(bin, 'scontrol'), 0o755);
  writeFileSync(join(dir, 'member.sh'), member);
  mkdirSync(join(dir, 'tasks'));
  const logFile = join(dir, 'member.log');
  writeFileSync(join(dir, 'tasks', '3'), taskFile({ index: 3, name: 'm', action: 'start', runDir: dir, specFile: join(dir, 's'), logFile, trainArgs: [] }, ['bash', join(dir, 'member.sh'), join(dir, 'started')]));
  writeFileSync(join(dir, 'array.sh'), slurmScript());
  return new Promise((done, fail) => {
    const child = spawn('bash', [join(dir, 'array.sh'), join(dir, 'tasks')], { env: { ...process.env, PATH: `${bin}:${process.env['PATH'] ?? ''}`, SLURM_ARRAY_TASK_ID: '3', SLURM_ARRAY_JOB_ID: '55' }, stdio: 'ignore' });
    const poll = setInterval(() => {
      if (existsSync(join(dir, 'started'))) {
        clearInterval(poll);
        child.kill('SIGUSR1');
      }
    }, 20);
    child.on('error', fail);
    child.on('close', (code) => {
      clearInterval(poll);
      const read = (f: string) => (existsSync(f) ? readFileSync(f, 'utf8') : '');
      done({ code, log: read(logFile), scontrol: read(join(dir, 'scontrol.args')) });
    });
  });
}

/** A member that marks its start, then on SIGUSR1 says so and exits `status` (ibc train exits 138 after saving). */
const member = (status: number): string => `trap 'echo "member: SIGUSR1, saving"; exit ${status}' USR1\ntouch "$1"\nwhile :; do sleep 0.05; done\n`;

describe('the constant script on SIGUSR1', () => {
  it('passes it on to the member and, when the member stopped with a checkpoint (138), requeues its own array task', async () => {
    const r = await runScript(mkdtempSync(join(tmpdir(), 'ibc-preempt-')), member(138), 0);
    expect(r.log).toContain('member: SIGUSR1, saving');
    expect(r.log).toContain('requeueing array task 55_3');
    expect(r.scontrol).toBe('requeue 55_3\n');
    expect(r.code).toBe(0);
  });

  it('a member that ends otherwise is not requeued, and its status is the task’s', async () => {
    const r = await runScript(mkdtempSync(join(tmpdir(), 'ibc-preempt-')), member(1), 0);
    expect(r.log).toContain('member: SIGUSR1, saving');
    expect(r.scontrol).toBe('');
    expect(r.code).toBe(1);
  });

  it('a refused requeue leaves the member stopped (exit 138) and says how to resume it', async () => {
    const r = await runScript(mkdtempSync(join(tmpdir(), 'ibc-preempt-')), member(138), 1);
    expect(r.scontrol).toBe('requeue 55_3\n');
    expect(r.log).toContain('scontrol requeue 55_3 failed; running the sweep again resumes the member');
    expect(r.code).toBe(138);
  });
});
