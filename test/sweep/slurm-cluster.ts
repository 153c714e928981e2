/**
 * A real one-node Slurm cluster for tests: munged (as user munge, on a socket
 * in a temporary folder), slurmctld and slurmd (as root), a generated
 * slurm.conf naming this machine, free ports, and state, spool and log
 * folders in the temporary folder. Commands reach it through SLURM_CONF.
 * `stop()` ends the daemons by their process ids.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { cpus, hostname, totalmem } from 'node:os';
import { join } from 'node:path';

export interface SlurmCluster {
  readonly dir: string;
  readonly env: Record<string, string>;
  stop(): Promise<void>;
}

const COMMANDS = ['munged', 'slurmctld', 'slurmd', 'sbatch', 'squeue', 'scancel', 'sinfo', 'runuser'];

function onPath(command: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${command}`], { encoding: 'utf8' }).status === 0;
}

/** Why a cluster cannot be started here, or undefined when it can. */
export function clusterUnavailable(): string | undefined {
  if (process.getuid?.() !== 0) return 'not running as root (slurmctld and slurmd need root)';
  const missing = COMMANDS.filter((c) => !onPath(c));
  if (missing.length > 0) return `missing commands: ${missing.join(', ')} (apt-get install slurm-wlm munge)`;
  if (spawnSync('id', ['-u', 'munge']).status !== 0) return 'no user munge (apt-get install munge)';
  return undefined;
}

function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

function readPid(file: string): number | undefined {
  try {
    const pid = Number(readFileSync(file, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitFor(what: string, check: () => boolean, seconds: number): Promise<void> {
  for (let i = 0; i < seconds * 4; i++) {
    if (check()) return;
    await sleep(250);
  }
  throw new Error(`timed out after ${seconds}s waiting for ${what}`);
}

async function stopPid(pid: number | undefined): Promise<void> {
  if (pid === undefined || !alive(pid)) return;
  process.kill(pid, 'SIGTERM');
  for (let i = 0; i < 40 && alive(pid); i++) await sleep(250);
  if (alive(pid)) process.kill(pid, 'SIGKILL');
}

export async function startCluster(): Promise<SlurmCluster> {
  const dir = mkdtempSync('/tmp/ibc-slurm-');
  chmodSync(dir, 0o755); // munged insists that every folder above its socket is searchable
  const mungeDir = join(dir, 'munge');
  mkdirSync(mungeDir);
  for (const d of ['state', 'spool', 'log']) mkdirSync(join(dir, d));
  const mungeUid = Number(execFileSync('id', ['-u', 'munge'], { encoding: 'utf8' }).trim());
  const mungeGid = Number(execFileSync('id', ['-g', 'munge'], { encoding: 'utf8' }).trim());
  chownSync(mungeDir, mungeUid, mungeGid);
  chmodSync(mungeDir, 0o755);
  let keyFile = '/etc/munge/munge.key';
  if (!existsSync(keyFile)) {
    keyFile = join(mungeDir, 'munge.key');
    writeFileSync(keyFile, randomBytes(1024), { mode: 0o600 });
    chownSync(keyFile, mungeUid, mungeGid);
  }
  const socket = join(mungeDir, 'munge.socket');
  const pids = { munged: join(mungeDir, 'munged.pid'), slurmctld: join(dir, 'slurmctld.pid'), slurmd: join(dir, 'slurmd.pid') };
  const stop = async (): Promise<void> => {
    await stopPid(readPid(pids.slurmd));
    await stopPid(readPid(pids.slurmctld));
    await stopPid(readPid(pids.munged));
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const munged = spawnSync(
      'runuser',
      ['-u', 'munge', '--', 'munged', `--socket=${socket}`, `--key-file=${keyFile}`, `--log-file=${join(mungeDir, 'munged.log')}`, `--pid-file=${pids.munged}`, `--seed-file=${join(mungeDir, 'munged.seed')}`],
      { encoding: 'utf8' },
    );
    if (munged.status !== 0) throw new Error(`munged did not start: ${munged.stderr}`);
    const [ctldPort, dPort] = [await freePort(), await freePort()];
    const host = hostname().split('.')[0]!;
    const memoryMb = Math.max(1000, Math.floor(totalmem() / 2 ** 20) - 512);
    const conf = join(dir, 'slurm.conf');
    writeFileSync(
      conf,
      [
        'ClusterName=ibctest',
        `SlurmctldHost=${host}`,
        `SlurmctldPort=${ctldPort}`,
        `SlurmdPort=${dPort}`,
        'SlurmUser=root',
        'SlurmdUser=root',
        'AuthType=auth/munge',
        `AuthInfo=socket=${socket}`,
        'CredType=cred/munge',
        'ProctrackType=proctrack/linuxproc',
        'TaskPlugin=task/none',
        'SelectType=select/cons_tres',
        'SelectTypeParameters=CR_Core',
        'MpiDefault=none',
        'SchedulerType=sched/backfill',
        'AccountingStorageType=accounting_storage/none',
        'JobCompType=jobcomp/none',
        'JobAcctGatherType=jobacct_gather/none',
        'ReturnToService=2',
        'MinJobAge=600',
        `StateSaveLocation=${join(dir, 'state')}`,
        `SlurmdSpoolDir=${join(dir, 'spool')}`,
        `SlurmctldPidFile=${pids.slurmctld}`,
        `SlurmdPidFile=${pids.slurmd}`,
        `SlurmctldLogFile=${join(dir, 'log', 'slurmctld.log')}`,
        `SlurmdLogFile=${join(dir, 'log', 'slurmd.log')}`,
        `NodeName=${host} CPUs=${cpus().length} RealMemory=${memoryMb} State=UNKNOWN`,
        'PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP',
        '',
      ].join('\n'),
    );
    const env: Record<string, string> = { SLURM_CONF: conf };
    const daemonEnv = { ...process.env, ...env };
    for (const daemon of ['slurmctld', 'slurmd']) {
      const started = spawnSync(daemon, ['-f', conf], { encoding: 'utf8', env: daemonEnv });
      if (started.status !== 0) throw new Error(`${daemon} did not start: ${started.stderr}`);
    }
    await waitFor('the node to be idle', () => spawnSync('sinfo', ['-h', '-o', '%T'], { encoding: 'utf8', env: daemonEnv }).stdout.trim() === 'idle', 60);
    return { dir, env, stop };
  } catch (error) {
    const log = (f: string) => (existsSync(f) ? readFileSync(f, 'utf8').split('\n').slice(-15).join('\n') : '');
    const logs = `\nslurmctld.log:\n${log(join(dir, 'log', 'slurmctld.log'))}\nslurmd.log:\n${log(join(dir, 'log', 'slurmd.log'))}`;
    await stop();
    throw new Error(`${error instanceof Error ? error.message : String(error)}${logs}`);
  }
}
