/**
 * What set each run apart, for a table that reads like a paper's: each run's
 * settings under their documented names (the spec keys of docs/language.md
 * from its resolved-spec.json, and its identity from run.json), and the
 * columns that show where runs differ. Settings equal in every run are not
 * columns; a whole section that only some runs have (a baseline has no
 * `attention`) is one column rather than one per key inside it; lists of
 * layers read as spec text (`conv 16, relu, maxpool 2`).
 */
import { documentedPath } from '../../../compiler/spec/documented-paths.js';
import { keyAt } from '../../../compiler/spec/defaults.js';
import { LAYER } from '../../../compiler/spec/definitions.js';
import type { Json } from '../../../compiler/spec/spec-document.js';
import { isSourceOnlyKey } from '../../../compiler/spec/serialize.js';
import { IDENTITY_KEYS, identityText, type IdentityKey, type RunIdentity } from '../run-identity.js';

/** A run's settings: documented key -> value as text. */
export type Settings = ReadonlyMap<string, string>;

/** Keys no column shows: the name labels the row already, and the epochs column shows how long each run trained. */
const NOT_COLUMNS = new Set(['name', 'train.epochs']);

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function sizeText(values: readonly unknown[]): string {
  return values.every((v) => v === values[0]) && values.length === 2 ? String(values[0]) : values.join('x');
}

/** One layer as its statement reads (`conv 16`, `maxpool 2`, `relu`). */
function layerText(layer: Record<string, unknown>): string {
  const type = String(layer['type']);
  const variant = Object.entries(LAYER.variants).find(([name, v]) => name === type || (v.tags ?? []).includes(type))?.[1];
  const first = variant?.positional?.[0];
  const value = first !== undefined ? layer[first] : undefined;
  if (value === undefined) return type;
  return `${type} ${Array.isArray(value) ? sizeText(value) : String(value)}`;
}

/** A value as spec text, short: sizes as 7x7, layer lists as statements, stages as `name(layers)`. */
function valueText(path: string, value: unknown): string {
  if (Array.isArray(value)) {
    if (value.length === 0) return 'none';
    if (value.every((v) => isObject(v) && typeof v['type'] === 'string')) return value.map((v) => layerText(v as Record<string, unknown>)).join(', ');
    if (value.every((v) => isObject(v) && Array.isArray(v['layers']))) {
      return value.map((v) => `${String((v as Record<string, unknown>)['name'])}(${valueText(path, (v as Record<string, unknown>)['layers'])})`).join(' ');
    }
    const k = keyAt(path);
    if (k?.form === 'value' && (k.convert === 'pair' || k.convert === 'triple')) return sizeText(value);
    return `[${value.map((v) => valueText(path, v)).join(', ')}]`;
  }
  if (isObject(value)) return JSON.stringify(value);
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** Leaves of a resolved spec by documented path (lists of blocks as one value), skipping source spans. */
function flattenSpec(value: unknown, resolvedPrefix: string, out: Map<string, string>, sections: Set<string>): void {
  if (isObject(value)) {
    if (resolvedPrefix !== '') sections.add(documentedPath(resolvedPrefix));
    for (const [k, v] of Object.entries(value)) {
      if (isSourceOnlyKey(k) || v === undefined) continue;
      flattenSpec(v, resolvedPrefix === '' ? k : `${resolvedPrefix}.${k}`, out, sections);
    }
    return;
  }
  const path = documentedPath(resolvedPrefix);
  out.set(path, valueText(path, value));
}

export interface RunSettings {
  readonly values: Settings;
  /** The spec's sections this run has (`model.attention`, `model.attention.quantize`). */
  readonly sections: ReadonlySet<string>;
}

/** The identity keys shown as settings: budgets as the images each split had, and what computed the run (seed and batch are spec keys). */
const SHOWN_IDENTITY: readonly IdentityKey[] = (Object.keys(IDENTITY_KEYS) as IdentityKey[]).filter((k) => IDENTITY_KEYS[k].specKey === undefined && k !== 'epochs');

/** A run's settings from its resolved spec (as parsed JSON) and identity. */
export function runSettings(resolvedSpec: unknown, identity: Partial<RunIdentity>): RunSettings {
  const values = new Map<string, string>();
  const sections = new Set<string>();
  flattenSpec(resolvedSpec, '', values, sections);
  for (const key of SHOWN_IDENTITY) {
    if (key in identity) values.set(key, identityText(key, identity[key]));
  }
  // Limits matter only where the image counts are unknown (a run from before run.json): a limit above the data is no limit.
  for (const key of ['limit_train', 'limit_val', 'limit_test'] as const) {
    const counted = identity[key === 'limit_train' ? 'train_images' : key === 'limit_val' ? 'val_images' : 'test_images'];
    if (counted !== undefined) values.delete(key);
  }
  return { values, sections };
}

export interface SettingColumn {
  /** The documented key (`model.attention.beta`, `train_images`) or section (`model.attention`). */
  readonly key: string;
  /** Whether the column says only that a section is there (its value: `yes`). */
  readonly presence: boolean;
}

const TOP_SECTIONS = new Set(['model', 'data', 'train', 'export']);

function ancestors(path: string): string[] {
  const parts = path.split('.');
  const out: string[] = [];
  for (let n = 1; n < parts.length; n++) out.push(parts.slice(0, n).join('.'));
  return out;
}

/**
 * The columns that tell `runs` apart, `exclude` left out (already shown, e.g. a sweep's
 * swept paths). A key whose value is the same wherever it is set but which only some
 * runs have folds into its highest section that exactly those runs have.
 */
export function differingColumns(runs: readonly RunSettings[], exclude: ReadonlySet<string> = new Set()): SettingColumn[] {
  const keys = new Set<string>();
  for (const r of runs) for (const k of r.values.keys()) keys.add(k);
  const columns: SettingColumn[] = [];
  const presence = new Set<string>();
  for (const key of keys) {
    if (NOT_COLUMNS.has(key) || exclude.has(key)) continue;
    const values = runs.map((r) => r.values.get(key));
    if (new Set(values).size <= 1) continue;
    const set = values.filter((v): v is string => v !== undefined);
    const onlyPresenceDiffers = set.length < runs.length && new Set(set).size === 1;
    if (onlyPresenceDiffers) {
      const having = runs.map((r) => r.values.has(key));
      const section = ancestors(key)
        .filter((a) => !TOP_SECTIONS.has(a))
        .find((a) => runs.every((r, i) => r.sections.has(a) === having[i]));
      if (section !== undefined) {
        if (!exclude.has(section)) presence.add(section);
        continue;
      }
    }
    columns.push({ key, presence: false });
  }
  // A section's presence column is dropped where a shown key inside it already marks the same runs.
  for (const section of presence) {
    const marked = columns.some((c) => c.key.startsWith(`${section}.`) && runs.every((r) => r.values.has(c.key) === r.sections.has(section)));
    if (!marked) columns.push({ key: section, presence: true });
  }
  return columns.sort((a, b) => order(a.key) - order(b.key) || a.key.localeCompare(b.key));
}

/** Spec keys first (in the spec's section order), then the identity keys in theirs. */
function order(key: string): number {
  const identity = SHOWN_IDENTITY.indexOf(key as IdentityKey);
  if (identity >= 0) return 1000 + identity;
  const top = ['model', 'data', 'train', 'export'].indexOf(key.split('.')[0] ?? '');
  return top >= 0 ? top * 100 : 500;
}

/** A run's value in a column: '-' where it has none. */
export function settingText(run: RunSettings, column: SettingColumn): string {
  if (column.presence) return run.sections.has(column.key) ? 'yes' : '-';
  return run.values.get(column.key) ?? '-';
}

/** The value a column gives a run as JSON for machine formats: numbers stay numbers. */
export function settingJson(run: RunSettings, column: SettingColumn): Json | null {
  const text = settingText(run, column);
  if (text === '-') return null;
  const n = Number(text);
  return text.trim() !== '' && Number.isFinite(n) && /^-?[\d.]+(e[-+]?\d+)?$/i.test(text) ? n : text;
}

/** Whether a column is a budget (what data and how long), which no plotted series may mix silently. */
export function isBudgetColumn(key: string): boolean {
  return key in IDENTITY_KEYS && IDENTITY_KEYS[key as IdentityKey].budget;
}
