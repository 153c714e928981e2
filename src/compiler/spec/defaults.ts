/**
 * Every default of the language lives with its key in definitions.ts; this
 * module finds a key, and so its default, by its dotted path. Defaults that
 * depend on other values (init from the backbone, the decoder from K and the
 * classes, normalisation from the channel count) are `computed` there and
 * filled in by resolve.ts.
 */
import { SPEC } from './definitions.js';
import { variantFor, type Key } from './key.js';

/**
 * The key at a dotted path (`model.attention.beta`). Below a union, a part may
 * name a tag to pick its variant (`train.optimizer.adam.lr`); otherwise the
 * first variant with the next key is taken (`train.optimizer.lr`: sgd's).
 */
export function keyAt(path: string): Key | undefined {
  let current = SPEC as Key;
  const rest = path === '' ? [] : path.split('.');
  for (let part = rest.shift(); part !== undefined; part = rest.shift()) {
    if (current.form === 'section') {
      const next: Key | undefined = current.keys[part];
      if (!next) return undefined;
      current = next;
    } else if (current.form === 'union') {
      const byTag = variantFor(current, part);
      const following = rest[0];
      if (byTag && following !== undefined) {
        rest.shift();
        const next: Key | undefined = byTag.variant.keys[following];
        if (!next) return undefined;
        current = next;
        continue;
      }
      const name = part;
      const next: Key | undefined = Object.values(current.variants).find((v) => v.keys[name] !== undefined)?.keys[name];
      if (!next) return undefined;
      current = next;
    } else {
      return undefined;
    }
  }
  return current;
}

/** The default written in the definition of the key at `path`, if it has one (a union's: its default tag). */
export function defaultAt(path: string): unknown {
  const k = keyAt(path);
  return k && (k.form === 'value' || k.form === 'union') ? k.default : undefined;
}
