/**
 * A run's identity: everything besides the spec that shapes its numbers (the
 * data it saw, how long it trained, what computed it), recorded in plain text
 * in the run folder (run.json when the run starts; the same keys in
 * summary.json when it ends) and compared wherever runs meet: on --resume,
 * when a sweep launches members next to finished ones, and in `ibc results`.
 *
 * The spec hash covers every spec key (seed and batch included: --seed writes
 * into the spec); the keys below cover what the command line and the machine
 * add. `IDENTITY_KEYS` lists them once, with their documented names (the JSON
 * keys), so every comparison and every table says the same thing.
 */
import { readFilePrefix, readTextIfReadable } from '../../host/read-file.js';
import { join } from 'node:path';
import { writeTextAtomic } from '../../host/atomic-write.js';
import { CHECKPOINT_MAGIC, HEADER_BYTES } from '../../support/checkpoint-format.js';
import { checkpointPaths } from './resume.js';
import { jsonObjectOf, readSummary } from './sweep/run-status.js';

export const RUN_RECORD_FILE = 'run.json';
const FORMAT = 'ibc-run';
const VERSION = 1;

/** What a run was asked to do and what computed it. null: not limited / not a host setting / none. */
export interface RunIdentity {
  readonly spec_hash: string;
  readonly seed: number;
  readonly batch: number;
  /** Epochs the run trains to. */
  readonly epochs: number;
  /** --limit-train, --limit-val, --limit-test as given (val: as derived from --limit-train when not given). */
  readonly limit_train: number | null;
  readonly limit_val: number | null;
  readonly limit_test: number | null;
  /** The images each split had after the limits. */
  readonly train_images: number | null;
  readonly val_images: number | null;
  readonly test_images: number | null;
  readonly backend: string;
  readonly training_step: string;
  /** Arithmetic of convolutions and matrix products (train.precision; fp32 unless a spec asks otherwise). */
  readonly precision: string;
  /** Host threads the backend computes with (null on a GPU or where unknown). */
  readonly threads: number | null;
  /** SHA-256 of the weights file the trunk started from (weights="..."), null when none. */
  readonly weights: string | null;
}

export type IdentityKey = Exclude<keyof RunIdentity, 'spec_hash'>;

/**
 * The identity keys summary.json repeats beside the results, so that a run's budget and thread count
 * read from its summary alone (the others are there already under their own names, or in run.json).
 */
export type SummaryIdentity = Pick<RunIdentity, 'batch' | 'limit_train' | 'limit_val' | 'limit_test' | 'train_images' | 'val_images' | 'test_images' | 'threads'>;

export function summaryIdentity(identity: RunIdentity): SummaryIdentity {
  const { batch, limit_train, limit_val, limit_test, train_images, val_images, test_images, threads } = identity;
  return { batch, limit_train, limit_val, limit_test, train_images, val_images, test_images, threads };
}

interface KeyFacts {
  /** Changes what data the run saw or how long it trained: a sweep never mixes two (refused). */
  readonly budget: boolean;
  /** The `ibc train` option that sets it, for "ways out". */
  readonly option?: string;
  /** A spec key shows it already (ibc results lists differing spec keys): not repeated there. */
  readonly specKey?: string;
}

/** Every identity key, in the order tables and messages list them. */
export const IDENTITY_KEYS: Readonly<Record<IdentityKey, KeyFacts>> = {
  epochs: { budget: true, option: '--epochs' },
  limit_train: { budget: true, option: '--limit-train' },
  limit_val: { budget: true, option: '--limit-val' },
  limit_test: { budget: true, option: '--limit-test' },
  train_images: { budget: true },
  val_images: { budget: true },
  test_images: { budget: true },
  seed: { budget: false, option: '--seed', specKey: 'train.seed' },
  batch: { budget: false, specKey: 'train.batch' },
  backend: { budget: false, option: '--backend' },
  training_step: { budget: false, option: '--step' },
  precision: { budget: false },
  threads: { budget: false, option: '--threads' },
  weights: { budget: false },
};

export const IDENTITY_KEY_NAMES = Object.keys(IDENTITY_KEYS) as IdentityKey[];

/** A value as messages and tables show it: null as 'all' for a limit, 'none' elsewhere. */
export function identityText(key: IdentityKey, value: RunIdentity[IdentityKey] | undefined): string {
  if (value === undefined) return '?';
  if (value === null) return key.startsWith('limit_') ? 'all' : 'none';
  if (key === 'weights' && typeof value === 'string') return value.slice(0, 12);
  return String(value);
}

export interface IdentityDifference {
  readonly key: IdentityKey;
  readonly recorded: RunIdentity[IdentityKey] | undefined;
  readonly requested: RunIdentity[IdentityKey] | undefined;
}

/**
 * The keys of `requested` (those it states) whose values differ from `recorded`. Threads
 * count only where they shape the numbers (the recorded backend computes on host threads).
 */
export function identityDifferences(recorded: Partial<RunIdentity>, requested: Partial<RunIdentity>, keys: readonly IdentityKey[] = IDENTITY_KEY_NAMES): IdentityDifference[] {
  const out: IdentityDifference[] = [];
  for (const key of keys) {
    if (!(key in requested)) continue;
    const a = recorded[key];
    const b = requested[key];
    if (a === undefined || a === b) continue;
    if (key === 'threads' && !threadsShapeNumbers(recorded.backend ?? requested.backend)) continue;
    out.push({ key, recorded: a, requested: b });
  }
  return out;
}

function threadsShapeNumbers(backend: string | undefined): boolean {
  return backend === 'ibc-native' || backend === 'tensorflow';
}

/** "limit_train 5000 -> 6000, epochs 1 -> 2" */
export function describeIdentityDifferences(differences: readonly IdentityDifference[]): string {
  return differences.map((d) => `${d.key} ${identityText(d.key, d.recorded)} -> ${identityText(d.key, d.requested)}`).join(', ');
}

/** The `ibc train` options that reproduce the recorded values of `differences` (where an option sets the key). */
export function optionsFor(differences: readonly IdentityDifference[]): string {
  const parts: string[] = [];
  for (const d of differences) {
    const option = IDENTITY_KEYS[d.key].option;
    if (option === undefined || d.recorded === undefined) continue;
    if (d.recorded === null) continue; // "all": no option gives it back except leaving the option out
    parts.push(`${option} ${String(d.recorded)}`);
  }
  return parts.join(' ');
}

interface RunRecordFile extends RunIdentity {
  readonly format: typeof FORMAT;
  readonly version: typeof VERSION;
}

/** run.json: the identity, one key a line, written when the run starts (and again when a resume extends its epochs). */
export function writeRunRecord(runDir: string, identity: RunIdentity): void {
  const record: RunRecordFile = { format: FORMAT, version: VERSION, ...identity };
  writeTextAtomic(join(runDir, RUN_RECORD_FILE), `${JSON.stringify(record, null, 2)}\n`);
}

/** The line (1-based) of `key` in run.json as writeRunRecord lays it out, for messages located in the file. */
export function recordLineOf(key: IdentityKey): number {
  const keys = ['format', 'version', 'spec_hash', 'seed', 'batch', 'epochs', 'limit_train', 'limit_val', 'limit_test', 'train_images', 'val_images', 'test_images', 'backend', 'training_step', 'precision', 'threads', 'weights'];
  return keys.indexOf(key) + 2;
}

/**
 * At most `limit` bytes from the start of a file, through the bounded reader's
 * prefix read (a pipe, a device or a folder is refused, never waited on);
 * undefined when it cannot be read.
 */
function readBytes(path: string, limit: number): Buffer | undefined {
  const bytes = readFilePrefix(path, limit);
  return bytes === undefined ? undefined : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}


const num = (x: unknown): number | undefined => (typeof x === 'number' && Number.isFinite(x) ? x : undefined);
const numOrNull = (x: unknown): number | null | undefined => (x === null ? null : num(x));
const str = (x: unknown): string | undefined => (typeof x === 'string' ? x : undefined);

/**
 * A checkpoint's metadata (its settings: seed, epochs, limits; its backend), read from
 * the file's first bytes without verifying it: for runs written before run.json.
 */
function checkpointMeta(path: string): Record<string, unknown> | undefined {
  const raw = readBytes(path, HEADER_BYTES + 4 + (1 << 20));
  if (raw === undefined || raw.length < HEADER_BYTES + 4 || raw.subarray(0, 4).toString('latin1') !== CHECKPOINT_MAGIC) return undefined;
  const length = raw.readUInt32LE(HEADER_BYTES);
  return jsonObjectOf(raw.subarray(HEADER_BYTES + 4, HEADER_BYTES + 4 + length).toString('utf8'));
}

/**
 * What a run folder records of its identity: run.json, else (a run from before
 * it) what summary.json, resolved-spec.json and its checkpoint's metadata say;
 * keys nothing records are left out.
 */
export function readRunIdentity(runDir: string): Partial<RunIdentity> {
  const record = jsonObjectOf(readTextIfReadable('record', join(runDir, RUN_RECORD_FILE)));
  if (record && record['format'] === FORMAT) {
    const out: Partial<Record<keyof RunIdentity, unknown>> = {};
    for (const key of ['spec_hash', ...IDENTITY_KEY_NAMES] as const) if (key in record) out[key] = record[key];
    return out as Partial<RunIdentity>;
  }
  const out: { -readonly [K in keyof RunIdentity]?: RunIdentity[K] } = {};
  const summary = readSummary(runDir);
  const spec = jsonObjectOf(readTextIfReadable('record', join(runDir, 'resolved-spec.json')));
  const train = spec?.['train'] as Record<string, unknown> | undefined;
  const meta = checkpointMeta(checkpointPaths(runDir).last);
  const rawSettings = meta?.['settings'];
  const settings = rawSettings !== null && typeof rawSettings === 'object' && !Array.isArray(rawSettings) ? (rawSettings as Record<string, unknown>) : undefined;
  const hash = str(summary?.['spec_hash']);
  if (hash !== undefined) out.spec_hash = hash;
  const seed = num(settings?.['seed']) ?? num(summary?.['seed']) ?? num(train?.['seed']);
  if (seed !== undefined) out.seed = seed;
  const batch = num(train?.['batchSize']);
  if (batch !== undefined) out.batch = batch;
  const epochs = num(settings?.['epochs']);
  if (epochs !== undefined) out.epochs = epochs;
  if (settings) {
    out.limit_train = numOrNull(settings['limitTrain']) ?? null;
    out.limit_val = numOrNull(settings['limitValidation']) ?? null;
    out.limit_test = numOrNull(settings['limitTest']) ?? null;
  }
  const backend = str(summary?.['backend']) ?? str(meta?.['backend']);
  if (backend !== undefined) out.backend = backend;
  const step = str(summary?.['training_step']);
  if (step !== undefined) out.training_step = step;
  return out;
}
