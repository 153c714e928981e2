/**
 * One sweep, one budget. A sweep run again with other data limits or epochs
 * would train its new or unfinished members on another budget than the
 * members already done, and its manifest would then describe none of them
 * truly; with another backend or thread count, the new members' numbers
 * would round differently. Before anything is written, each member's run
 * folder (run.json, or what an older run records) is compared with what this
 * `ibc sweep` asks; any difference refuses the sweep with the settings that
 * differ, located in the first such member's run.json, and the ways out.
 */
import { join } from 'node:path';
import { existsSync } from 'node:fs';
import type { Span } from '../../../diagnostics/diagnostic.js';
import { RunError } from '../../../support/errors.js';
import { diagnostic } from '../../../diagnostics/catalog.js';
import { describeIdentityDifferences, identityDifferences, IDENTITY_KEYS, readRunIdentity, recordLineOf, RUN_RECORD_FILE, type IdentityDifference, type RunIdentity } from '../run-identity.js';
import type { MemberTrainOptions } from './manifest.js';

export interface BudgetMember {
  readonly name: string;
  /** The run folder, relative to the sweep directory. */
  readonly dir: string;
  /** Epochs the member trains to in this sweep. */
  readonly epochs: number;
  /** Whether its run folder holds a run of this sweep (trained, interrupted, running: not missing, not another spec's). */
  readonly hasRun: boolean;
  /** Whether this sweep launches it (start, resume, restart). */
  readonly launched: boolean;
}

/** What this `ibc sweep` asks of every member, as identity keys (only what it states). */
export function askedIdentity(train: MemberTrainOptions, threads: number | undefined): Partial<RunIdentity> {
  return {
    limit_train: train.limitTrain ?? null,
    limit_test: train.limitTest ?? null,
    ...(train.limitVal !== undefined ? { limit_val: train.limitVal } : {}),
    ...(train.backend !== undefined && train.backend !== 'auto' ? { backend: train.backend } : {}),
    ...(threads !== undefined ? { threads } : {}),
  };
}

/** The sweep options that ask for the recorded values (`--limit-train 5000 --epochs 1`). */
function sweepOptionsFor(differences: readonly IdentityDifference[]): string {
  const parts: string[] = [];
  for (const d of differences) {
    if (d.recorded === undefined) continue;
    if (d.key === 'threads') parts.push(`threads ${String(d.recorded)} (--jobs, or --cpus-per-task on Slurm)`);
    else if (d.recorded === null) parts.push(`no ${IDENTITY_KEYS[d.key].option ?? d.key}`);
    else if (IDENTITY_KEYS[d.key].option !== undefined) parts.push(`${IDENTITY_KEYS[d.key].option} ${String(d.recorded)}`);
  }
  return parts.join(' ');
}

/**
 * Refuses (IB6902) when a member of this sweep (one this sweep trains, resumes, skips as
 * finished or leaves to another process; not a run for another spec hash) ran with other
 * settings than `asked`. Budgets (limits, epochs) are compared for every such member,
 * since the manifest states them for all; what computes a run (backend, threads) where
 * this sweep launches a member at all.
 */
export function requireOneBudget(sweepDir: string, members: readonly BudgetMember[], asked: Partial<RunIdentity>): void {
  const launches = members.some((m) => m.launched);
  const conflicts: { member: BudgetMember; differences: IdentityDifference[] }[] = [];
  for (const member of members) {
    if (!member.hasRun) continue;
    const recorded = readRunIdentity(join(sweepDir, member.dir));
    const differences = identityDifferences(recorded, { ...asked, epochs: member.epochs }).filter((d) => launches || IDENTITY_KEYS[d.key].budget);
    if (differences.length > 0) conflicts.push({ member, differences });
  }
  const first = conflicts[0];
  if (!first) return;
  const keys = [...new Set(conflicts.flatMap((c) => c.differences.map((d) => d.key)))];
  const record = join(sweepDir, first.member.dir, RUN_RECORD_FILE);
  const firstKey = first.differences[0]?.key;
  const span: Span | undefined =
    existsSync(record) && firstKey !== undefined ? { file: record, start: { offset: 0, line: recordLineOf(firstKey), column: 3 }, end: { offset: 0, line: recordLineOf(firstKey), column: 5 + firstKey.length } } : undefined;
  const same = sweepOptionsFor(first.differences);
  throw new RunError(
    diagnostic('sweepBudgetChanged', {
      ...(span ? { span } : {}),
      args: {
      path: sweepDir,
      count: conflicts.length,
      total: members.length,
      keys: keys.join(', '),
      member: first.member.name,
      differences: describeIdentityDifferences(first.differences),
      ways: `run it with what its members ran with (${same}), give this one its own sweep folder (--out DIR), or move the members' run folders away to start them again`,
      },
    }),
  );
}
