/**
 * The request `ibc sweep` hands runSweep: the default sweep directory from the
 * spec's name, one member plan per member with its spec hash and epochs, and
 * the Slurm resources merged from the sweep's own `slurm` statement and the
 * command line (the command line wins; #SBATCH lines add up).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadSweep } from '../../../../src/compiler/spec/load-spec.js';
import { specHash } from '../../../../src/compiler/spec/serialize.js';
import { nodeFileSystem } from '../../../../src/host/file-system.js';
import { isNonEmpty } from '../../../../src/support/checked.js';
import { sweepRequest, type SweepCommand } from '../../../../src/runtime/jobs/sweep/sweep-request.js';
import { writeSweepSpec } from '../../../fixtures/sweep.js';
import { taskFile, taskProgram, taskProgramProblem } from '../../../../src/runtime/jobs/sweep/slurm-launcher.js';

const work = mkdtempSync(join(tmpdir(), 'ibc-sweep-request-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function command(overrides: Partial<SweepCommand>): SweepCommand {
  const specPath = writeSweepSpec(work);
  const members = loadSweep(specPath, nodeFileSystem).value ?? [];
  if (!isNonEmpty(members)) throw new Error('the fixture spec has no sweep');
  return { specPath, cwd: work, members, overrides: [], train: {}, launcher: 'local', slurm: {}, dryRun: true, ...overrides };
}

describe('sweepRequest', () => {
  it('names the sweep directory after the spec and plans every member with its hash and epochs', () => {
    const c = command({ train: { epochs: 3 }, jobs: 2 });
    const request = sweepRequest(c);
    expect(request.sweepDir).toBe(join(work, 'sweeps', 'fsweep'));
    expect(request.swept).toEqual(['model.attention.beta', 'train.seed']);
    expect(request.members.map((m) => m.name)).toEqual(c.members.map((m) => m.name));
    expect(request.members.map((m) => m.specHash)).toEqual(c.members.map((m) => specHash(m.spec)));
    expect(new Set(request.members.map((m) => m.epochs))).toEqual(new Set([3]));
    expect(request.launcher).toMatchObject({ kind: 'local', jobs: 2 });
    expect(request.program[1]?.endsWith(join('bin', 'ibc.js'))).toBe(true);
  });

  it("merges the sweep's slurm statement with the command line's resources", () => {
    const request = sweepRequest(command({ out: 'elsewhere', launcher: 'slurm', jobs: 4, slurm: { mem: '900M', time: '20:00', sbatch: ['--nice=0'], poll: 2 } }));
    expect(request.sweepDir).toBe(join(work, 'elsewhere'));
    expect(request.launcher).toEqual({
      kind: 'slurm',
      pollSeconds: 2,
      options: { jobName: 'ibc-fsweep', time: '20:00', mem: '900M', extra: ['--comment=ibc-test', '--nice=0'], throttle: 4 },
    });
  });

  it('--slurm-node and --slurm-ibc choose what each task runs, kept as data in its task file; names stay names for the task\'s PATH', () => {
    const own = ['/usr/bin/node', '/repo/bin/ibc.js'] as const;
    expect(taskProgram({}, own, '/here')).toEqual(['/usr/bin/node', '/repo/bin/ibc.js']);
    expect(taskProgram({ node: 'node' }, own, '/here')).toEqual(['node', '/repo/bin/ibc.js']);
    expect(taskProgram({ node: './tools/node' }, own, '/here')).toEqual(['/here/tools/node', '/repo/bin/ibc.js']);
    expect(taskProgram({ ibc: 'ibc' }, own, '/here')).toEqual(['ibc']);
    expect(taskProgram({ node: '/opt/node20/bin/node', ibc: '../ibc/bin/ibc.js' }, own, '/here/x')).toEqual(['/opt/node20/bin/node', '/here/ibc/bin/ibc.js']);
    expect(taskProgramProblem({ node: 'node', ibc: 'ibc' })).toContain('--slurm-ibc must be a path');
    expect(taskProgramProblem({ node: 'node', ibc: '/x/bin/ibc.js' })).toBeUndefined();
    // Through the request the sweep command builds, into the task file the constant script reads.
    const request = sweepRequest(command({ launcher: 'slurm', slurm: { ibc: 'ibc', setup: ['module load nodejs'] } }));
    expect(request.program).toEqual(['ibc']);
    const fields = new TextDecoder().decode(taskFile({ index: 0, name: 'm', action: 'start', runDir: '/r', specFile: '/s', logFile: '/l', trainArgs: ['train', '/s'] }, request.program)).split('\0');
    expect(fields).toEqual(['/l', 'ibc', 'train', '/s', '']);
    // The local launcher always runs this node and this ibc.
    expect(sweepRequest(command({ launcher: 'local', slurm: {} })).program[0]).toBe(process.execPath);
  });
});
