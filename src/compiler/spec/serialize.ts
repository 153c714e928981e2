/**
 * The canonical form of a resolved spec: JSON with keys sorted and no `origin`
 * / `atOrigin` spans (they say where text was, not what it means). The run
 * directory stores it, and its SHA-256 identifies the experiment.
 */
import { createHash } from 'node:crypto';
import type { ResolvedSpec } from './resolved-spec.js';

const SOURCE_ONLY_KEYS = new Set(['origin', 'atOrigin', 'pathOrigins', 'sizeOrigin', 'mapOrigin', 'weightsOrigin', 'freezeOrigins']);

/** Keys that say where text was, not what it means: left out of the hash and of resolved-spec.json. */
export function isSourceOnlyKey(key: string): boolean {
  return SOURCE_ONLY_KEYS.has(key);
}

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      const v = (value as Record<string, unknown>)[key];
      if (SOURCE_ONLY_KEYS.has(key) || v === undefined) continue;
      out[key] = canonical(v);
    }
    return out;
  }
  return value;
}

/** Canonical JSON of the spec (2-space indented, sorted keys, trailing newline). */
export function serializeSpec(spec: ResolvedSpec): string {
  return `${JSON.stringify(canonical(spec), null, 2)}\n`;
}

/**
 * The spec as its hash sees it: without the keys that change how a run is watched and saved,
 * never what it computes (`train.log_every`, the step log's cadence; `checkpoint every_steps`
 * and `every_minutes`, when the last checkpoint is also written; a resume from any of them is
 * bit-identical). So a resume or a sweep run again with another cadence continues the same
 * experiment instead of refusing it. All three are absent by default, so every hash made before
 * they were left out stays what it was. `checkpoint every` and `keep_best` stay in: they decide
 * which checkpoint files a run has, which later commands read.
 */
function hashedForm(spec: ResolvedSpec): ResolvedSpec {
  const { logEvery: _logEvery, checkpoint, ...train } = spec.train;
  const { everySteps: _everySteps, everyMinutes: _everyMinutes, ...saved } = checkpoint;
  return { ...spec, train: { ...train, checkpoint: saved } };
}

/** SHA-256 (hex) of `serializeSpec` of the spec without the keys that never change a result (hashedForm). */
export function specHash(spec: ResolvedSpec): string {
  return createHash('sha256').update(serializeSpec(hashedForm(spec))).digest('hex');
}
