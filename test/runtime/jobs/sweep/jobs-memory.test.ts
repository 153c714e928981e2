/**
 * --jobs N through the resource estimate: N members training at once must fit
 * the machine's memory together (IB6808), checked before anything runs.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadSweep } from '../../../../src/compiler/spec/load-spec.js';
import { buildModel } from '../../../../src/compiler/network/build-model.js';
import { estimateResources } from '../../../../src/compiler/resources/estimate.js';
import { trainingBytes } from '../../../../src/compiler/resources/check-resources.js';
import { nodeFileSystem } from '../../../../src/host/file-system.js';
import { jobsMemoryProblem } from '../../../../src/runtime/jobs/sweep/jobs-memory.js';
import { writeSweepSpec } from '../../../fixtures/sweep.js';

const work = mkdtempSync(join(tmpdir(), 'ibc-jobs-memory-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('--jobs and memory', () => {
  const members = loadSweep(writeSweepSpec(work), nodeFileSystem).value ?? [];
  const first = members[0];
  if (!first) throw new Error('the fixture spec has no sweep');
  const ir = buildModel(first.spec).value;
  if (!ir) throw new Error('the fixture spec does not build');
  const one = trainingBytes(first.spec, estimateResources(ir)).total;

  it('refuses more members at once than fit together, naming the --jobs that fits', () => {
    expect(members.length).toBeGreaterThanOrEqual(3);
    const problem = jobsMemoryProblem(members, 3, Math.floor(2.5 * one));
    expect(problem?.code).toBe('IB6808');
    expect(problem?.message).toMatch(/^--jobs 3 trains 3 members at once, which together need about .+; this machine has .+\. Use --jobs 2 or fewer$/);
  });

  it('lets them run when they fit, and leaves one at a time to the member\'s own check', () => {
    expect(jobsMemoryProblem(members, 2, Math.floor(2.5 * one))).toBeUndefined();
    expect(jobsMemoryProblem(members, 1, Math.floor(0.5 * one))).toBeUndefined();
    // More jobs than members: only the members run at once.
    expect(jobsMemoryProblem(members, 1000, members.length * one)).toBeUndefined();
  });
});
