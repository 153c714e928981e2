/**
 * Which keys of two resolved specs differ, and whether each difference changes
 * the model (its architecture, its parameters' meaning, or what its input
 * means) or only how it is trained, evaluated or exported. Used to explain a
 * spec-hash mismatch (IB5006) instead of printing two hashes.
 */
import type { ResolvedSpec } from './resolved-spec.js';
import { serializeSpec } from './serialize.js';

export interface SpecDifference {
  /** Dotted path in the resolved spec, e.g. model.attention.beta or train.epochs. */
  readonly path: string;
  /** JSON text of each side's value; undefined when the key is absent on that side. */
  readonly before?: string;
  readonly after?: string;
  readonly changesModel: boolean;
}

type Canonical = null | boolean | number | string | Canonical[] | { [key: string]: Canonical };

/** Paths under these prefixes change the model: its layers and parameters, or the input the weights expect. */
const MODEL_PREFIXES = ['model', 'data.normalize'];

export function changesModel(path: string): boolean {
  return MODEL_PREFIXES.some((p) => path === p || path.startsWith(`${p}.`) || path.startsWith(`${p}[`));
}

function isObject(v: Canonical | undefined): v is { [key: string]: Canonical } {
  return v !== null && v !== undefined && typeof v === 'object' && !Array.isArray(v);
}

/** The tag of a tagged object (`kind` of an optimizer or backbone, `type` of a layer). */
function tagOf(o: { [key: string]: Canonical }): Canonical | undefined {
  return o['kind'] ?? o['type'];
}

function collect(a: Canonical | undefined, b: Canonical | undefined, path: string, out: SpecDifference[]): void {
  if (isObject(a) && isObject(b) && tagOf(a) !== undefined && tagOf(a) !== tagOf(b)) {
    // Another kind altogether (adam -> sgd): one difference, not one per field of each kind.
    out.push({ path, before: JSON.stringify(tagOf(a)), after: JSON.stringify(tagOf(b) ?? null), changesModel: changesModel(path) });
    return;
  }
  if (isObject(a) && isObject(b)) {
    for (const key of [...new Set([...Object.keys(a), ...Object.keys(b)])].sort()) collect(a[key], b[key], path === '' ? key : `${path}.${key}`, out);
    return;
  }
  if (Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.some((x) => typeof x === 'object' && x !== null)) {
    a.forEach((item, i) => collect(item, b[i], `${path}[${i}]`, out));
    return;
  }
  const before = a === undefined ? undefined : JSON.stringify(a);
  const after = b === undefined ? undefined : JSON.stringify(b);
  if (before === after) return;
  out.push({ path, ...(before !== undefined ? { before } : {}), ...(after !== undefined ? { after } : {}), changesModel: changesModel(path) });
}

/** The differences from `before` to `after` (source spans ignored), in path order. */
export function diffSpecs(before: ResolvedSpec, after: ResolvedSpec): SpecDifference[] {
  const out: SpecDifference[] = [];
  collect(JSON.parse(serializeSpec(before)) as Canonical, JSON.parse(serializeSpec(after)) as Canonical, '', out);
  return out;
}

/** "model.attention.beta 0.001 -> 0.01 (changes the model)", one per difference, at most `limit` shown. */
export function describeDifferences(differences: readonly SpecDifference[], limit = 6): string {
  const shown = differences.slice(0, limit).map((d) => {
    const value = (v: string | undefined): string => (v === undefined ? '(absent)' : v.length > 40 ? `${v.slice(0, 37)}...` : v);
    return `${d.path} ${value(d.before)} -> ${value(d.after)} (${d.changesModel ? 'changes the model' : 'does not change the model'})`;
  });
  const more = differences.length > limit ? `; and ${differences.length - limit} more` : '';
  return `${shown.join('; ')}${more}`;
}
