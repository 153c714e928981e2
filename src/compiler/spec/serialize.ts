/**
 * The canonical form of a resolved spec: JSON with keys sorted and no `origin`
 * / `atOrigin` spans (they say where text was, not what it means). The run
 * directory stores it, and its SHA-256 identifies the experiment.
 */
import { createHash } from 'node:crypto';
import type { ResolvedSpec } from './resolved-spec.js';

const SOURCE_ONLY_KEYS = new Set(['origin', 'atOrigin', 'pathOrigins', 'sizeOrigin', 'mapOrigin', 'weightsOrigin']);

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

/** SHA-256 (hex) of `serializeSpec(spec)`. */
export function specHash(spec: ResolvedSpec): string {
  return createHash('sha256').update(serializeSpec(spec)).digest('hex');
}
