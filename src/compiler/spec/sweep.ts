/**
 * `sweep { model.attention.beta in [0.001, 0.01] ... }`: the members of a
 * spec's sweep, each a concrete spec named `<name>--beta=0.001--anchors=10`.
 * Axes: each plain entry is one, the entries of a `zip` group are one (their
 * lists advance together), `seeds N` is one (train.seed plus 0..N-1); the
 * members are the cartesian product of the axes, the last varying fastest.
 * A member's swept values keep the spans of the sweep list, so an invalid value
 * is reported where the sweep lists it.
 */
import type { Diagnostic, Result } from '../../diagnostics/diagnostic.js';
import { diagnostic } from '../../diagnostics/catalog.js';
import type { ResolvedSpec } from './resolved-spec.js';
import type { FileSystem } from '../../host/file-system.js';
import { jsonToSpecText } from './ast-values.js';
import { checkDocument, type DocumentInput } from './check-document.js';
import type { Json, JsonObject, MutableJsonObject, SweepEntry } from './spec-document.js';
import { cloneJson, escapePointerPart, isJsonObject } from './spec-document.js';
import { defaultAt } from './defaults.js';
import { MAX_SEED } from './definitions.js';
import { createHash } from 'node:crypto';
import { emptySpanMap, locateKey, removeSpansUnder, type MutableSpanMap } from './span-map.js';
import { itemAt } from '../../support/checked.js';

/** The most members a sweep may have. */
export const MAX_SWEEP_MEMBERS = 1000;

export interface SweepOverride {
  readonly path: string;
  readonly value: Json;
}

export interface SweepMemberDocument extends DocumentInput {
  /** The name suffix: `--beta=0.001--anchors=10`. */
  readonly suffix: string;
  readonly overrides: readonly SweepOverride[];
}

export interface SweepMember {
  readonly name: string;
  readonly overrides: readonly SweepOverride[];
  readonly spec: ResolvedSpec;
}

export function sweepEntries(document: JsonObject): SweepEntry[] {
  const raw = document.sweep;
  if (!Array.isArray(raw)) return [];
  return (raw as readonly Json[]).filter(isJsonObject).filter((e) => typeof e.path === 'string').map((e) => ({
    path: String(e.path),
    values: (e.values as readonly Json[]) ?? [],
    ...(typeof e.zip === 'number' ? { zip: e.zip } : {}),
    ...(typeof e.seeds === 'number' ? { seeds: e.seeds } : {}),
  }));
}

/** The sweep's `slurm` settings (surface names: partition, time, mem, cpus_per_task, gpus_per_task, sbatch), if it has them. */
export interface SweepSlurmSettings {
  readonly partition?: string;
  readonly time?: string;
  readonly mem?: string;
  readonly cpusPerTask?: number;
  readonly gpusPerTask?: number;
  readonly sbatch: readonly string[];
}

export function sweepSlurmSettings(document: JsonObject): SweepSlurmSettings | undefined {
  const raw = document.sweep;
  if (!Array.isArray(raw)) return undefined;
  const item = (raw as readonly Json[]).filter(isJsonObject).find((e) => isJsonObject(e.slurm));
  const s = item?.slurm;
  if (!isJsonObject(s)) return undefined;
  const str = (v: Json | undefined) => (typeof v === 'string' ? v : undefined);
  const int = (v: Json | undefined) => (typeof v === 'number' && Number.isInteger(v) ? v : undefined);
  const out: { -readonly [K in keyof SweepSlurmSettings]: SweepSlurmSettings[K] } = {
    sbatch: Array.isArray(s.sbatch) ? (s.sbatch as readonly Json[]).filter((l): l is string => typeof l === 'string') : [],
  };
  const partition = str(s.partition);
  const time = str(s.time);
  const mem = str(s.mem);
  const cpusPerTask = int(s.cpus_per_task);
  const gpusPerTask = int(s.gpus_per_task);
  if (partition !== undefined) out.partition = partition;
  if (time !== undefined) out.time = time;
  if (mem !== undefined) out.mem = mem;
  if (cpusPerTask !== undefined) out.cpusPerTask = cpusPerTask;
  if (gpusPerTask !== undefined) out.gpusPerTask = gpusPerTask;
  return out;
}

/** One dimension of the product: the indices of its entries (several for a zip group) and its length. */
interface SweepAxis {
  readonly entries: readonly number[];
  readonly length: number;
}

function sweepAxes(entries: readonly SweepEntry[]): SweepAxis[] {
  const axes: { entries: number[]; length: number }[] = [];
  const zipAxis = new Map<number, { entries: number[]; length: number }>();
  entries.forEach((entry, i) => {
    if (entry.zip !== undefined) {
      const axis = zipAxis.get(entry.zip);
      if (axis) {
        axis.entries.push(i);
        axis.length = Math.min(axis.length, entry.values.length);
        return;
      }
      const created = { entries: [i], length: entry.values.length };
      zipAxis.set(entry.zip, created);
      axes.push(created);
      return;
    }
    axes.push({ entries: [i], length: entry.values.length });
  });
  return axes;
}

/** How many members the document's sweep has (0 without a sweep), without expanding them. */
export function sweepMemberCount(document: JsonObject): number {
  const entries = sweepEntries(document);
  return entries.length === 0 ? 0 : sweepAxes(entries).reduce((n, a) => n * a.length, 1);
}

/** The spec's own seed (after extends merging), from which `seeds N` counts. */
function baseSeed(document: JsonObject): number {
  const train = document.train;
  const seed = isJsonObject(train) ? train.seed : undefined;
  if (typeof seed === 'number' && Number.isInteger(seed)) return seed;
  const fallback = defaultAt('train.seed');
  return typeof fallback === 'number' ? fallback : 0;
}

/** An entry's values as set in members: `seeds` offsets become seeds (checked by seedsOverflow). */
function memberValues(entry: SweepEntry, document: JsonObject): readonly Json[] {
  if (entry.seeds === undefined) return entry.values;
  const base = baseSeed(document);
  return entry.values.map((offset) => base + (typeof offset === 'number' ? offset : 0));
}

/** The member documents of a sweep (none when the document has no sweep), plus problems with the sweep itself. */
export function sweepDocuments(input: DocumentInput): Result<SweepMemberDocument[]> {
  const entries = sweepEntries(input.document);
  const diagnostics: Diagnostic[] = duplicateValueWarnings(entries, input);
  if (entries.length === 0) return { value: [], diagnostics };
  const axes = sweepAxes(entries);
  const count = axes.reduce((n, a) => n * a.length, 1);
  if (count > MAX_SWEEP_MEMBERS) {
    const span = locateKey(input.spans, '/sweep');
    diagnostics.push(diagnostic('sweepTooLarge', { ...(span ? { span } : {}), args: { count, limit: MAX_SWEEP_MEMBERS } }));
    return { value: undefined, diagnostics };
  }
  const labels = pathLabels(entries.map((e) => e.path));
  const values = entries.map((e) => memberValues(e, input.document));
  const overflow = entries.findIndex((e, i) => e.seeds !== undefined && values[i]!.some((v) => typeof v !== 'number' || v > MAX_SEED));
  if (overflow >= 0) {
    const span = input.spans.values.get(`/sweep/${overflow}/values/0`) ?? locateKey(input.spans, '/sweep');
    const entry = entries[overflow]!;
    diagnostics.push(diagnostic('sweepSeedsOverflow', { ...(span ? { span } : {}), args: { count: entry.values.length, base: baseSeed(input.document), max: MAX_SEED } }));
    return { value: undefined, diagnostics };
  }
  const members: SweepMemberDocument[] = [];
  for (const choice of product(axes.map((a) => a.length))) {
    const document = cloneJson(input.document) as MutableJsonObject;
    delete document.sweep;
    const spans = copySpans(input);
    removeSpansUnder(spans, '/sweep');
    const overrides: SweepOverride[] = [];
    let suffix = '';
    axes.forEach((axis, a) => {
      const index = itemAt(choice, a, 'a sweep member choice');
      for (const i of axis.entries) {
        const entry = itemAt(entries, i, 'the sweep entries');
        const value = itemAt(itemAt(values, i, 'the sweep values'), index, `the values of '${entry.path}'`);
        const pointer = setPath(document, entry.path, value);
        removeSpansUnder(spans, pointer);
        const from = `/sweep/${i}/values/${index}`;
        for (const [p, s] of input.spans.values) {
          if (p === from || p.startsWith(`${from}/`)) spans.values.set(pointer + p.slice(from.length), s);
        }
        overrides.push({ path: entry.path, value });
        suffix += `--${itemAt(labels, i, 'the sweep labels')}=${valueLabel(value)}`;
      }
    });
    members.push({ document, spans, incomplete: input.incomplete, ...(input.attempted ? { attempted: input.attempted } : {}), suffix, overrides });
  }
  return { value: members, diagnostics };
}

/** Resolves and checks every member; `baseName` is the spec's own name. */
export function expandMembers(input: DocumentInput, baseName: string, fs: FileSystem, specPath: string): Result<SweepMember[]> {
  const docs = sweepDocuments(input);
  const diagnostics: Diagnostic[] = [...docs.diagnostics];
  if (!docs.value) return { value: undefined, diagnostics };
  const collisions = memberCollisions(docs.value.map((m) => `${baseName}${m.suffix}`));
  if (collisions.length > 0) {
    const span = input.spans.values.get('/sweep/0') ?? locateKey(input.spans, '/sweep');
    for (const [first, second] of collisions) {
      diagnostics.push(diagnostic('sweepMemberCollision', { ...(span ? { span } : {}), args: { first, second, stem: memberStem(second) } }));
    }
    return { value: undefined, diagnostics };
  }
  const members: SweepMember[] = [];
  for (const member of docs.value) {
    const name = `${baseName}${member.suffix}`;
    const document = { ...member.document, name };
    const checked = checkDocument({ ...member, document }, fs, specPath);
    for (const item of checked.diagnostics) diagnostics.push(item);
    if (checked.spec) members.push({ name, overrides: member.overrides, spec: checked.spec });
  }
  return { value: members.length === docs.value.length ? members : undefined, diagnostics };
}

/**
 * The text of a spec file for one member: it extends the original (whose sweep
 * and name are not inherited) and sets the swept values with dotted overrides.
 */
export function memberSpecText(
  member: { readonly name: string; readonly overrides: readonly SweepOverride[] },
  extendsPath: string,
  sourceLabel: string,
  /** Statements every member gets (command-line overrides as spec text), written before the swept values. */
  commonLines: readonly string[] = [],
  tool = 'ibc expand',
): string {
  return [
    `# Generated by ${tool} from ${sourceLabel}; edit the sweep there instead.`,
    `extends ${JSON.stringify(extendsPath)}`,
    `name ${JSON.stringify(member.name)}`,
    ...commonLines,
    ...member.overrides.map((o) => `${o.path} ${jsonToSpecText(o.value)}`),
    '',
  ].join('\n');
}

function copySpans(input: DocumentInput): MutableSpanMap {
  const spans = emptySpanMap();
  for (const [p, s] of input.spans.values) spans.values.set(p, s);
  for (const [p, s] of input.spans.keys) spans.keys.set(p, s);
  return spans;
}

/** Sets a dotted path, creating objects on the way; returns its JSON pointer. */
function setPath(document: MutableJsonObject, path: string, value: Json): string {
  const parts = path.split('.');
  let target = document;
  for (const part of parts.slice(0, -1)) {
    const next = target[part];
    if (!isJsonObject(next)) target[part] = {};
    target = target[part] as MutableJsonObject;
  }
  target[parts.at(-1) ?? path] = cloneJson(value);
  return parts.map((p) => `/${escapePointerPart(p)}`).join('');
}

/** Each path's label in member names: its last key, or the whole path when two paths share a last key. */
function pathLabels(paths: readonly string[]): string[] {
  const lastKey = (path: string) => path.slice(path.lastIndexOf('.') + 1);
  const lastKeys = paths.map(lastKey);
  return paths.map((p) => {
    const key = lastKey(p);
    return lastKeys.filter((l) => l === key).length > 1 ? p : key;
  });
}

/**
 * A swept value as it appears in member names. Distinct values get distinct
 * labels: numbers print exactly (two doubles never share a shortest form),
 * strings keep their text with '%', '/', '\\', '_' inside lists and white
 * space percent-encoded (so "/a_b" and "/a/b" stay apart), lists join their
 * items' labels with '_', and a block is named by a hash of its content.
 */
export function valueLabel(value: Json): string {
  if (Array.isArray(value)) return (value as readonly Json[]).map((item) => valueLabel(item).replace(/_/g, '%5F')).join('_');
  if (isJsonObject(value)) return `block-${createHash('sha256').update(JSON.stringify(value)).digest('hex').slice(0, 10)}`;
  return String(value).replace(/[%\s/\\]/gu, (c) => percentEncode(c));
}

function percentEncode(text: string): string {
  return Array.from(new TextEncoder().encode(text), (b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`).join('');
}

/** The longest file-name stem of a member (file systems allow 255 bytes; room is left for `.ibspec`, `.log` and temporaries). */
const MAX_STEM = 200;

/**
 * The file-name stem of a member's run folder, generated spec and log: its
 * name with every character outside [A-Za-z0-9._=+,-] (and '%', and a leading
 * '.') percent-encoded, so that two different names never share a stem; a
 * name too long for a file name keeps its first characters and gets a hash of
 * the whole name.
 */
export function memberStem(name: string): string {
  let stem = '';
  for (const c of name) stem += /[A-Za-z0-9._=+,-]/.test(c) ? c : percentEncode(c);
  if (stem.startsWith('.')) stem = `%2E${stem.slice(1)}`;
  if (stem === '') return 'member';
  if (stem.length <= MAX_STEM) return stem;
  return `${stem.slice(0, MAX_STEM - 17)}~${createHash('sha256').update(name).digest('hex').slice(0, 16)}`;
}

/**
 * Members that would share a run folder: the same name, or stems equal up to
 * case (one folder on a case-insensitive file system). Each pair is an error
 * before anything runs: two members in one folder would report one's metrics
 * as the other's.
 */
export function memberCollisions(names: readonly string[]): [string, string][] {
  const seen = new Map<string, string>();
  const out: [string, string][] = [];
  for (const name of names) {
    const key = memberStem(name).toLowerCase();
    const other = seen.get(key);
    if (other !== undefined) out.push([other, name]);
    else seen.set(key, name);
  }
  return out;
}

/** Every index combination, last entry varying fastest. */
function product(sizes: readonly number[]): number[][] {
  let out: number[][] = [[]];
  for (const size of sizes) {
    const next: number[][] = [];
    for (const prefix of out) for (let i = 0; i < size; i++) next.push([...prefix, i]);
    out = next;
  }
  return out;
}

function duplicateValueWarnings(entries: readonly SweepEntry[], input: DocumentInput): Diagnostic[] {
  const out: Diagnostic[] = [];
  entries.forEach((entry, i) => {
    if (entry.zip !== undefined || entry.seeds !== undefined) return; // a zipped list may repeat a value: its pairs differ
    const seen = new Set<string>();
    entry.values.forEach((value, j) => {
      const key = JSON.stringify(value);
      if (seen.has(key)) {
        const span = input.spans.values.get(`/sweep/${i}/values/${j}`);
        out.push(diagnostic('duplicateSweepValue', { ...(span ? { span } : {}), args: { value: jsonToSpecText(value), path: entry.path } }));
      }
      seen.add(key);
    });
  });
  return out;
}
