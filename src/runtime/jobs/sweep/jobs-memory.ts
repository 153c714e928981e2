/**
 * A local sweep's --jobs through the resource estimate: N members training at
 * once need their memory together. Each member's own check (IB4101) sees one
 * run; this one adds the N largest estimates and compares them with the
 * machine, before anything runs.
 */
import { totalmem } from 'node:os';
import type { SweepMember } from '../../../compiler/spec/sweep.js';
import { buildModel } from '../../../compiler/network/build-model.js';
import { estimateResources } from '../../../compiler/resources/estimate.js';
import { formatBytes, trainingBytes } from '../../../compiler/resources/check-resources.js';
import { diagnostic } from '../../../diagnostics/catalog.js';
import type { Diagnostic } from '../../../diagnostics/diagnostic.js';

/** Bytes one member's training needs (0 when its model does not build: its own run reports that). */
function memberBytes(member: SweepMember): number {
  const ir = buildModel(member.spec).value;
  return ir ? trainingBytes(member.spec, estimateResources(ir)).total : 0;
}

/** IB6808 when the `jobs` largest members together need more than `memoryBytes`; undefined when they fit. */
export function jobsMemoryProblem(members: readonly SweepMember[], jobs: number, memoryBytes: number = totalmem()): Diagnostic | undefined {
  const running = Math.min(jobs, members.length);
  // One at a time: the member's own check covers it.
  if (running < 2) return undefined;
  const largestFirst = members.map(memberBytes).sort((a, b) => b - a);
  const sumOf = (count: number) => largestFirst.slice(0, count).reduce((a, b) => a + b, 0);
  const need = sumOf(running);
  if (need <= memoryBytes) return undefined;
  let fit = 1;
  while (fit + 1 < running && sumOf(fit + 1) <= memoryBytes) fit++;
  return diagnostic('sweepJobsMemory', {
    args: { jobs, running, need: formatBytes(need), largest: formatBytes(largestFirst[0] ?? 0), have: formatBytes(memoryBytes), fit },
  });
}
