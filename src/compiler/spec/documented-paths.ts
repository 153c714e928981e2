/**
 * The documented name of a place in a resolved spec: resolved-spec.json keeps
 * the resolved names (`train.batchSize`, `model.attention.klForm`, a union's
 * `kind`), while people read and write the language's (`train.batch`,
 * `model.attention.kl`, `train.optimizer adam`). Derived from the definitions
 * (each key's `as`), so a table that compares runs says what docs/language.md
 * says.
 */
import { SPEC } from './definitions.js';
import type { Key, KeyTable } from './key.js';

/** The child of `parent` whose resolved name is `part`, with its documented name. */
function childByResolvedName(keys: KeyTable, part: string): [string, Key] | undefined {
  for (const [name, k] of Object.entries(keys)) if ((k.as ?? name) === part) return [name, k];
  return undefined;
}

/**
 * `train.batchSize` -> `train.batch`; `train.optimizer.kind` -> `train.optimizer` (the union's
 * tag is written as the union's value); list items keep their index (`stages[0]`). A part the
 * definitions do not know is kept as it is.
 */
export function documentedPath(resolved: string): string {
  const parts = resolved.split('.');
  const out: string[] = [];
  let current: Key | undefined = SPEC;
  for (const part of parts) {
    const bracket = part.indexOf('[');
    const name = bracket >= 0 ? part.slice(0, bracket) : part;
    const index = bracket >= 0 ? part.slice(bracket) : '';
    if (current === undefined) {
      out.push(part);
      continue;
    }
    if (current.form === 'union' && name === current.tag) {
      current = undefined; // the tag is the union's own value: `train.optimizer adam`
      continue;
    }
    let next: [string, Key] | undefined;
    if (current.form === 'section') next = childByResolvedName(current.keys, name);
    else if (current.form === 'union') {
      for (const v of Object.values(current.variants)) {
        next = childByResolvedName(v.keys, name);
        if (next) break;
      }
    }
    if (!next) {
      out.push(part);
      current = undefined;
      continue;
    }
    out.push(`${next[0]}${index}`);
    const found: Key = next[1];
    current = index !== '' && (found.form === 'list' || found.form === 'layers') ? found.item : found;
  }
  return out.join('.');
}
