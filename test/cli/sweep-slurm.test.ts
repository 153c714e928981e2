/**
 * `ibc sweep --launcher slurm` against a real one-node Slurm (slurm-cluster.ts):
 * a 6-member Fashion-MNIST sweep as one job array; one member's task is
 * cancelled with scancel; running the sweep again submits only that member;
 * a third run submits nothing; `ibc results` matches the local launcher's on
 * the same sweep. A member warned with SIGUSR1 mid-epoch (as `--signal=B:USR1@N` does before the
 * time limit) saves a checkpoint, its task requeues itself, resumes, and ends with the bytes of
 * an uninterrupted run; its tasks run an ibc named by --slurm-ibc, found on the PATH a
 * --slurm-setup line set. Ctrl-C stops following only.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { availableParallelism } from 'node:os';
import { threadsPerWorker } from '../../src/runtime/jobs/sweep/local-launcher.js';
import { clusterUnavailable, startCluster, type SlurmCluster } from '../fixtures/slurm-cluster.js';
import { ibc, REPO, requireBuiltCli, TINY_OPTIONS, TINY_OVERRIDES, writeSweepSpec } from '../fixtures/sweep.js';
import type { SweepManifest } from '../../src/runtime/runs/sweep/manifest.js';

const unavailable = clusterUnavailable();
if (unavailable !== undefined && process.env['CI'] === 'true') throw new Error(`CI must run the Slurm sweep test, but ${unavailable}`);
if (unavailable !== undefined) console.warn(`skipping the Slurm sweep test: ${unavailable}`);

let cluster: SlurmCluster | undefined;
let work = '';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function manifest(dir: string): SweepManifest {
  return JSON.parse(readFileSync(join(dir, 'sweep.json'), 'utf8')) as SweepManifest;
}

describe.skipIf(unavailable !== undefined)('ibc sweep --launcher slurm on a real cluster', () => {
  beforeAll(async () => {
    requireBuiltCli();
    work = mkdtempSync('/tmp/ibc-sweep-slurm-');
    cluster = await startCluster();
    Object.assign(process.env, cluster.env);
  }, 90_000);

  afterAll(async () => {
    await cluster?.stop();
    if (work !== '') rmSync(work, { recursive: true, force: true });
  }, 60_000);

  it('runs the array, re-runs only the cancelled member, and agrees with the local launcher', async () => {
    const spec = writeSweepSpec(work);
    // Each task gets the threads a local worker of a 2-job pool gets, so both launchers compute the same numbers.
    const threads = threadsPerWorker(availableParallelism(), 2);
    const slurmDir = join(work, 'slurm-sweep');
    const args = ['sweep', spec, ...TINY_OVERRIDES, ...TINY_OPTIONS, '--out', slurmDir, '--launcher', 'slurm', '--jobs', '2', '--poll', '1', '--mem', '900M', '--sbatch=--nice=0', '--cpus-per-task', String(threads), '--slurm-setup', 'echo "site setup: $SLURM_CPUS_PER_TASK cpus, OMP_NUM_THREADS=$OMP_NUM_THREADS"'];

    // First run: cancel the last member's task as soon as the array is submitted (with --jobs 2 it is still pending).
    const first = ibc(work, ...args);
    let job: string | undefined;
    let ended = false;
    void first.then(() => (ended = true));
    for (let i = 0; i < 240 && job === undefined && !ended; i++) {
      await sleep(250);
      if (existsSync(join(slurmDir, 'sweep.json'))) job = manifest(slurmDir).launches[0]?.job;
    }
    if (job === undefined) expect((await first).stderr).toBe('a submitted job');
    execFileSync('scancel', [`${job}_5`], { env: process.env });
    const r1 = await first;
    const members = manifest(slurmDir).members;
    expect(members.map((m) => m.name)).toEqual([
      'fsweep--beta=0.001--seed=1',
      'fsweep--beta=0.001--seed=2',
      'fsweep--beta=0.01--seed=1',
      'fsweep--beta=0.01--seed=2',
      'fsweep--beta=0.1--seed=1',
      'fsweep--beta=0.1--seed=2',
    ]);
    expect(r1.stderr).toContain(`slurm: submitted job ${job} (6 task(s)`);
    // One line per member event; the final count says the same.
    for (const m of members.slice(0, 5)) expect(r1.stderr.split('\n').filter((l) => l === `done: ${m.name}`), m.name).toHaveLength(1);
    expect(r1.stderr).toMatch(/^failed \((CANCELLED|UNKNOWN)[^)]*, job \d+_5\): fsweep--beta=0\.1--seed=2 \(log: /m);
    expect(r1.stderr.split('\n').filter((l) => /^(done|failed)\b/.test(l))).toHaveLength(6);
    expect(r1.stdout).toContain('5 of 6 members finished');
    expect(r1.stdout).toContain('not finished: fsweep--beta=0.1--seed=2');
    expect(r1.code).toBe(1);
    // A pending array task that is cancelled leaves squeue at once (and sacct is off here): CANCELLED or UNKNOWN.
    expect(manifest(slurmDir).launches[0]!.outcomes!['fsweep--beta=0.1--seed=2']).toMatch(/^(CANCELLED|UNKNOWN)/);
    expect(manifest(slurmDir).launches[0]!.outcomes!['fsweep--beta=0.001--seed=1']).toBe('COMPLETED');
    // Resources from the sweep's slurm statement and from the command line: sbatch arguments (the script holds none).
    const asked = manifest(slurmDir).launches[0]!.sbatch ?? [];
    for (const option of ['--time=10:00', '--mem=900M', `--cpus-per-task=${threads}`, '--comment=ibc-test', '--nice=0']) expect(asked).toContain(option);
    expect(readFileSync(join(slurmDir, 'slurm-array.sh'), 'utf8')).not.toMatch(/#SBATCH|10:00|900M/);
    // The site setup line ran in each task, after the threads were set from --cpus-per-task; it came from a file beside the tasks, not the script.
    const slurmLog = readFileSync(join(slurmDir, 'logs', `slurm-${job}_0.out`), 'utf8');
    expect(slurmLog).toContain(`site setup: ${threads} cpus, OMP_NUM_THREADS=${threads}`);
    expect(readFileSync(join(slurmDir, 'slurm-array.sh'), 'utf8')).not.toContain('site setup:');
    const finishedAt = members.slice(0, 5).map((m) => statSync(join(slurmDir, m.dir, 'summary.json')).mtimeMs);
    for (const m of members.slice(0, 5)) expect(readFileSync(join(slurmDir, m.dir, 'spec-hash.txt'), 'utf8').trim()).toBe(m.specHash);

    // Second run: only the cancelled member is submitted; nothing finished is touched.
    const r2 = await ibc(work, ...args);
    expect(r2.stderr).toContain('6 members: 5 finished, 1 to start');
    expect(r2.stderr).toMatch(/slurm: submitted job \d+ \(1 task\(s\)/);
    expect(r2.stdout).toContain('6 of 6 members finished');
    expect(r2.code).toBe(0);
    const launches = manifest(slurmDir).launches;
    expect(launches.length).toBe(2);
    expect(launches[1]!.members).toEqual(['fsweep--beta=0.1--seed=2']);
    // The second submission's task folder holds the cancelled member's task only.
    const submissions = readdirSync(join(slurmDir, 'slurm-tasks')).map((name) => join(slurmDir, 'slurm-tasks', name)).sort((a, b) => statSync(a).mtimeMs - statSync(b).mtimeMs);
    expect(submissions.length).toBe(2);
    expect(readdirSync(submissions[1]!).sort()).toEqual(['5', 'setup.sh']);
    expect(readdirSync(submissions[0]!).sort()).toEqual(['0', '1', '2', '3', '4', '5', 'setup.sh']);
    expect(members.slice(0, 5).map((m) => statSync(join(slurmDir, m.dir, 'summary.json')).mtimeMs)).toEqual(finishedAt);

    // Third run: nothing to do, nothing submitted.
    const r3 = await ibc(work, ...args);
    expect(r3.stderr).toContain('6 members: 6 finished, 0 to start');
    expect(r3.stderr).not.toContain('submitted');
    expect(r3.code).toBe(0);
    expect(manifest(slurmDir).launches.length).toBe(2);

    // The same sweep through the local launcher gives the same table.
    const localDir = join(work, 'local-sweep');
    const local = await ibc(work, 'sweep', spec, ...TINY_OVERRIDES, ...TINY_OPTIONS, '--out', localDir, '--jobs', '2');
    expect(local.stdout).toContain('6 of 6 members finished');
    expect(local.code).toBe(0);
    type Row = { member: string; status: string; epochs: number; values: Record<string, unknown>; metrics: Record<string, number> };
    const table = async (dir: string): Promise<Row[]> => {
      const r = await ibc(work, 'results', dir, '--format', 'json');
      expect(r.code).toBe(0);
      return JSON.parse(r.stdout) as Row[];
    };
    const [fromSlurm, fromLocal] = [await table(slurmDir), await table(localDir)];
    const stable = (rows: Row[]) => rows.map((r) => ({ member: r.member, status: r.status, epochs: r.epochs, values: r.values, test_top1: r.metrics['test_top1'], best_val_top1: r.metrics['best_val_top1'] }));
    expect(stable(fromSlurm)).toEqual(stable(fromLocal));
    expect(fromSlurm.map((r) => r.values)).toEqual([
      { 'model.attention.beta': 0.001, 'train.seed': 1 },
      { 'model.attention.beta': 0.001, 'train.seed': 2 },
      { 'model.attention.beta': 0.01, 'train.seed': 1 },
      { 'model.attention.beta': 0.01, 'train.seed': 2 },
      { 'model.attention.beta': 0.1, 'train.seed': 1 },
      { 'model.attention.beta': 0.1, 'train.seed': 2 },
    ]);
    for (const m of members) expect(existsSync(join(slurmDir, m.dir, 'curves.png')), m.dir).toBe(true);
    expect(existsSync(join(slurmDir, 'test_top1-vs-beta.png'))).toBe(true);
  }, 240_000);

  it('a member warned with SIGUSR1 saves, requeues its own task, resumes and ends byte-identical to an uninterrupted run', async () => {
    // One member, an epoch of 8192 tiny images (seconds): long enough that a warning sent once epoch 1 is logged lands inside epoch 2.
    const spec = join(work, 'preempt.ibspec');
    const tiny = readFileSync(join(REPO, 'specs', 'test', 'tiny-aib-qt.ibspec'), 'utf8').replace('train_count=512 test_count=256', 'train_count=8192 test_count=64');
    writeFileSync(spec, `${tiny.replace(/^name .*$/m, 'name preempt')}\nsweep {\n  seeds 1\n}\n`);
    const threads = threadsPerWorker(availableParallelism(), 1);
    const common = [spec, 'train.epochs=2', '--backend', 'ibc-native', '--attention', '0'];
    const dir = join(work, 'preempt-slurm');
    // The ibc each task runs, by name: a wrapper on the PATH a setup line sets (as `module load` would).
    const bin = join(work, 'site-bin');
    mkdirSync(bin);
    writeFileSync(join(bin, 'ibc-site'), `#!/bin/bash\necho "ibc-site wrapper: task $SLURM_ARRAY_TASK_ID"\nexec ${JSON.stringify(process.execPath)} ${JSON.stringify(join(REPO, 'bin', 'ibc.js'))} "$@"\n`, { mode: 0o755 });
    const site = ['--slurm-setup', `export PATH=${bin}:$PATH`, '--slurm-ibc', 'ibc-site'];
    const sweep = ibc(work, 'sweep', ...common, '--out', dir, '--launcher', 'slurm', '--poll', '1', '--cpus-per-task', String(threads), '--time', '30:00', ...site);
    let ended = false;
    void sweep.then(() => (ended = true));
    const log = (): string => {
      const logs = existsSync(join(dir, 'logs')) ? readdirSync(join(dir, 'logs')).filter((f) => f.endsWith('.log')) : [];
      return logs.length === 1 ? readFileSync(join(dir, 'logs', logs[0]!), 'utf8') : '';
    };
    for (let i = 0; i < 480 && !ended && !/^epoch 1: /m.test(log()); i++) await sleep(250);
    const job = manifest(dir).launches[0]?.job;
    if (job === undefined || ended) expect((await sweep).stderr).toBe('a member still training epoch 2');
    // What Slurm does at --signal=B:USR1@120: the batch shell alone gets SIGUSR1.
    execFileSync('scancel', ['--batch', '--signal=USR1', `${job}_0`], { env: process.env });
    // Slurm holds a requeued task back for a while (BeginTime); the test lets it start sooner, but not
    // within the second slurmd revoked the first start's credential (at the kill, before the task is
    // pending again): a credential made in that same second counts as revoked, and Slurm fails the task.
    const requeued = (): boolean => execFileSync('squeue', ['-h', '-r', '-j', String(job), '-O', 'State:|,RestartCnt:'], { env: process.env, encoding: 'utf8' }).trim() === 'PENDING|1';
    for (let i = 0; i < 240 && !ended && !requeued(); i++) await sleep(250);
    if (requeued()) execFileSync('scontrol', ['update', `JobId=${job}_0`, 'StartTime=now+2'], { env: process.env });
    const r = await sweep;
    const member = manifest(dir).members[0]!;
    expect(r.code, `${r.stderr}\nthe member's log:\n${log()}\n${cluster!.logTail(40)}`).toBe(0);
    expect(r.stdout).toContain('1 of 1 members finished');
    // One line per member event, in order; the count at the end agrees.
    expect(r.stderr.split('\n').filter((l) => /^(running|requeued|done|failed)\b/.test(l))).toEqual([
      `running: ${member.name} (job ${job}_0)`,
      `requeued: ${member.name} (job ${job}_0, restart 1; it resumes from its checkpoint)`,
      `running: ${member.name} (job ${job}_0)`,
      `done: ${member.name}`,
    ]);
    expect(manifest(dir).launches[0]!.outcomes![member.name]).toBe('COMPLETED (requeued 1 time)');
    expect(manifest(dir).launches[0]!.sbatch).toEqual(expect.arrayContaining(['--requeue', '--signal=B:USR1@120']));
    const text = log();
    expect(text.match(/^ibc-site wrapper: task 0$/gm)).toHaveLength(2);
    const taskFiles = readdirSync(join(dir, 'slurm-tasks'));
    expect(readFileSync(join(dir, 'slurm-tasks', taskFiles[0]!, '0'), 'utf8').split('\0').slice(1, 3)).toEqual(['ibc-site', 'train']);
    expect(text).toMatch(/stopped by SIGUSR1 in epoch 2 after batch \d+ of \d+/);
    expect(text).toContain(`requeueing array task ${job}_0`);
    expect(text).toMatch(/resuming .* at epoch 2 of 2/);

    // The same member through the local launcher, never interrupted, with the same threads, in the same folder (a checkpoint records where the spec was).
    const requeuedDir = `${dir}-requeued`;
    renameSync(dir, requeuedDir);
    const local = await ibc(work, 'sweep', ...common, '--out', dir, '--jobs', '1');
    expect(local.code, local.stderr).toBe(0);
    for (const file of ['last.ibck', 'best.ibck']) {
      expect(Buffer.compare(readFileSync(join(requeuedDir, member.dir, 'checkpoints', file)), readFileSync(join(dir, member.dir, 'checkpoints', file))), file).toBe(0);
    }
  }, 240_000);

  it('Ctrl-C stops following only: the job keeps its place, and the message says how to follow or cancel it', async () => {
    const spec = join(work, 'held.ibspec');
    writeFileSync(spec, `${readFileSync(join(REPO, 'specs', 'test', 'tiny-aib-qt.ibspec'), 'utf8').replace(/^name .*$/m, 'name held')}\nsweep {\n  seeds 1\n}\n`);
    const dir = join(work, 'held');
    // --hold keeps the task pending, so the sweep is still following when the signal comes.
    const args = ['sweep', spec, '--out', dir, '--launcher', 'slurm', '--poll', '1', '--sbatch=--hold'];
    const child = spawn(process.execPath, [join(REPO, 'bin', 'ibc.js'), ...args], { cwd: work, env: process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const closed = new Promise<number | null>((done) => child.on('close', done));
    for (let i = 0; i < 240 && !/slurm: submitted job/.test(stderr); i++) await sleep(250);
    child.kill('SIGINT');
    const code = await closed;
    const job = manifest(dir).launches[0]?.job;
    expect(code, stderr).toBe(130);
    expect(stderr).toContain(`stopped following (SIGINT): 1 member(s) keep running or queued on the cluster as job ${job}\n`);
    expect(stderr).toContain(`cancel them with: scancel ${job}\n`);
    expect(stderr).toContain(`follow them again with: ibc ${args.join(' ')}\n`);
    expect(execFileSync('squeue', ['-h', '-r', '-j', String(job), '-o', '%T'], { env: process.env, encoding: 'utf8' }).trim()).toBe('PENDING');
    // The launch keeps no outcomes: its task is still the cluster's.
    expect(manifest(dir).launches[0]!.outcomes).toBeUndefined();
    execFileSync('scancel', [String(job)], { env: process.env });
  }, 60_000);
});
