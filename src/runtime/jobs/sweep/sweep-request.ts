/**
 * From an expanded sweep and the command's choices to the request runSweep
 * takes: the sweep directory, the member plans with their spec hashes, and the
 * launcher with its resources (the sweep's own `slurm` statement, then the
 * command line, which wins; #SBATCH lines add up).
 */
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadSweepSlurmSettings } from '../../../compiler/spec/load-spec.js';
import { overridesAsSpecLines } from '../../../compiler/spec/overrides.js';
import { specHash } from '../../../compiler/spec/serialize.js';
import type { SweepMember } from '../../../compiler/spec/sweep.js';
import { nodeFileSystem } from '../../../host/file-system.js';
import type { NonEmpty } from '../../../support/checked.js';
import type { MemberTrainOptions } from '../../runs/sweep/manifest.js';
import { safeRunName } from '../../runs/run-dir.js';
import type { LauncherRequest, SweepRequest } from './run-sweep.js';
import { taskProgram } from './slurm-launcher.js';

export type LauncherName = 'local' | 'slurm';

/** Slurm resources given on the command line; each overrides the sweep's own. */
export interface SlurmResources {
  readonly partition?: string;
  readonly time?: string;
  readonly mem?: string;
  readonly cpusPerTask?: number;
  readonly gpusPerTask?: number;
  /** The node and ibc each array task runs (--slurm-node, --slurm-ibc): a path or a name looked up on the task's PATH. */
  readonly node?: string;
  readonly ibc?: string;
  /** Shell lines each array task runs before ibc (--slurm-setup). */
  readonly setup?: readonly string[];
  /** Extra #SBATCH lines, after the sweep's own. */
  readonly sbatch?: readonly string[];
  /** How often to ask squeue, in seconds (default 10). */
  readonly poll?: number;
}

export interface SweepCommand {
  readonly specPath: string;
  /** The folder relative paths are resolved against (the default sweep directory is sweeps/<name> there). */
  readonly cwd: string;
  /** The sweep directory as given; undefined: sweeps/<name>. */
  readonly out?: string;
  readonly members: NonEmpty<SweepMember>;
  readonly overrides: readonly string[];
  readonly train: MemberTrainOptions;
  readonly launcher: LauncherName;
  /** local: workers at once (default 1); slurm: tasks running at once (default: no limit). */
  readonly jobs?: number;
  readonly slurm: SlurmResources;
  readonly dryRun: boolean;
}

/** How a worker runs this ibc: the same node, the same bin/ibc.js (the same relative place from src/ and dist/). */
function ibcProgram(): [string, string] {
  return [process.execPath, fileURLToPath(new URL('../../../../bin/ibc.js', import.meta.url))];
}

function launcherRequest(command: SweepCommand, baseName: string): LauncherRequest {
  if (command.launcher === 'local') return { kind: 'local', jobs: command.jobs ?? 1, cores: availableParallelism() };
  const given = command.slurm;
  const fromSpec = loadSweepSlurmSettings(command.specPath, nodeFileSystem, { overrides: command.overrides });
  const partition = given.partition ?? fromSpec?.partition;
  const time = given.time ?? fromSpec?.time;
  const mem = given.mem ?? fromSpec?.mem;
  const cpusPerTask = given.cpusPerTask ?? fromSpec?.cpusPerTask;
  const gpusPerTask = given.gpusPerTask ?? fromSpec?.gpusPerTask;
  return {
    kind: 'slurm',
    pollSeconds: given.poll ?? 10,
    options: {
      jobName: `ibc-${baseName || 'sweep'}`,
      ...(partition !== undefined ? { partition } : {}),
      ...(time !== undefined ? { time } : {}),
      ...(mem !== undefined ? { mem } : {}),
      ...(cpusPerTask !== undefined ? { cpusPerTask } : {}),
      ...(gpusPerTask !== undefined ? { gpusPerTask } : {}),
      extra: [...(fromSpec?.sbatch ?? []), ...(given.sbatch ?? [])],
      ...(given.setup !== undefined ? { setup: given.setup } : {}),
      ...(command.jobs !== undefined ? { throttle: command.jobs } : {}),
    },
  };
}

export function sweepRequest(command: SweepCommand): SweepRequest {
  const [first] = command.members;
  const baseName = first.name.slice(0, first.name.indexOf('--'));
  const sweepDir = resolve(command.cwd, command.out ?? `sweeps/${safeRunName(baseName || 'sweep')}`);
  return {
    sweepDir,
    specPath: command.specPath,
    overrides: command.overrides,
    overrideLines: overridesAsSpecLines(command.overrides),
    swept: first.overrides.map((o) => o.path),
    members: command.members.map((m) => ({ name: m.name, overrides: m.overrides, specHash: specHash(m.spec), epochs: command.train.epochs ?? m.spec.train.epochs })),
    train: command.train,
    launcher: launcherRequest(command, baseName),
    program: command.launcher === 'slurm' ? taskProgram(command.slurm, ibcProgram(), command.cwd) : ibcProgram(),
    env: process.env,
    dryRun: command.dryRun,
  };
}
