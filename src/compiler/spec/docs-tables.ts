/**
 * The key tables of docs/language.md, generated from the language definition
 * (definitions.ts), so that the docs say what the compiler does. A table sits
 * between `<!-- keys: PATH -->` and `<!-- /keys -->` lines, PATH being a
 * dotted section path (`model.attention`, `train`; none for the top level), or `layers`.
 * `npm run docs:keys` rewrites them; a test fails when they are stale.
 */
import { LAYER } from './definitions.js';
import { keyAt } from './defaults.js';
import { keysForTag, tagGroupsOf, tagsOf, type Key, type UnionKey, type ValueKey, type Variant } from './key.js';
import { entryOf } from '../../support/checked.js';

const REGION = /^<!-- keys:(?: ([\w.]+))? -->\n[^]*?^<!-- \/keys -->$/gm;

/** `markdown` with every key table regenerated. Throws on a region naming no section (a bug in the docs). */
export function regenerateKeyTables(markdown: string): string {
  const regions = new Set([...markdown.matchAll(REGION)].map((m) => m[1] ?? ''));
  return markdown.replace(REGION, (_all, path: string | undefined) => `<!-- keys:${path ? ` ${path}` : ''} -->\n${keyTable(path ?? '', regions)}<!-- /keys -->`);
}

/** The markdown table of the section (or union, or `layers`) at `path`; sections in `ownTables` are not expanded. */
export function keyTable(path: string, ownTables: ReadonlySet<string> = new Set()): string {
  if (path === 'layers') return layerTable();
  const k = keyAt(path);
  if (!k || (k.form !== 'section' && k.form !== 'union')) throw new Error(`docs: '${path}' names no section of the language`);
  const rows: string[][] = [];
  if (k.form === 'section') {
    for (const [name, child] of Object.entries(k.keys)) rows.push(...keyRows(name, child, path === '' ? name : `${path}.${name}`, ownTables));
    return table(['key', 'value', 'default', 'meaning'], rows);
  }
  return unionTables(k, path, ownTables);
}

function keyRows(name: string, k: Key, path: string, ownTables: ReadonlySet<string>): string[][] {
  const own = [code(name), valueText(k), defaultText(k), meaning(name, k)];
  if (ownTables.has(path)) return [[code(name), valueText(k), defaultText(k), `${k.doc}; below`]];
  if (k.form === 'section') {
    return [own, ...Object.entries(k.keys).flatMap(([child, c]) => keyRows(`${name}.${child}`, c, `${path}.${child}`, ownTables))];
  }
  if (k.form === 'union') {
    const rows = [own];
    for (const [variantName, v] of Object.entries(k.variants)) {
      const tags = tagsOf(variantName, v);
      rows.push([`${code(name)} ${tags.map(code).join(' ')}`, '', '', v.doc]);
      for (const [field, c] of Object.entries(v.keys)) rows.push(...keyRows(`${name}.${field}`, c, `${path}.${field}`, ownTables).map((r) => [`${r[0]} (${tags.join(', ')})`, ...r.slice(1)]));
    }
    return rows;
  }
  return [own];
}

/** A union section (`data`, `model.backbone`): each kind's own keys, then the keys every kind has. */
function unionTables(union: UnionKey, path: string, ownTables: ReadonlySet<string>): string {
  const variants = Object.entries(union.variants);
  const [first] = variants;
  const shared = Object.entries(first?.[1].keys ?? {}).filter(([name, k]) => variants.every(([, v]) => v.keys[name] === k));
  const sharedNames = new Set(shared.map(([name]) => name));
  const rows: string[][] = [];
  for (const [name, v] of variants) {
    const tags = tagsOf(name, v);
    const own = Object.entries(v.keys).filter(([field]) => !sharedNames.has(field));
    rows.push([tags.map(code).join(' '), '', '', v.doc]);
    for (const [field, k] of own) {
      const only = k.only ? ` (${k.only.map(code).join(', ')})` : '';
      rows.push(...keyRows(field, k, `${path}.${field}`, ownTables).map((r) => [`${r[0]}${only}`, ...r.slice(1)]));
    }
  }
  let out = table([union.tag, 'value', 'default', 'meaning'], rows);
  if (shared.length > 0) {
    out += `\nEvery ${union.tag}:\n\n`;
    out += table(['key', 'value', 'default', 'meaning'], shared.flatMap(([name, k]) => keyRows(name, k, `${path}.${name}`, ownTables)));
  }
  return out;
}

function layerTable(): string {
  const rows: string[][] = [];
  const variants: Readonly<Record<string, Variant>> = LAYER.variants;
  for (const [name, v] of Object.entries(variants)) {
    for (const tags of tagGroupsOf(name, v)) {
      const positional = v.positional ?? [];
      const fields = keysForTag(v, tags[0]).filter(([field]) => field !== 'name' && !positional.includes(field));
      const args = positional.map((p) => `${code(p)}: ${valueText(entryOf(v.keys, p, `the layer '${name}'`))}`).join('; ');
      const options = fields.map(([field, k]) => {
        const fixed = defaultShown(k);
        return fixed !== undefined ? code(`${field}=${fixed}`) : `${code(`${field}=`)} (${k.computed ?? k.absent ?? 'none'})`;
      });
      rows.push([tags.map(code).join(' '), args, options.join(', '), v.doc]);
    }
  }
  return table(['layer', 'positional', 'options (defaults)', 'meaning'], rows);
}

// ---------------------------------------------------------------- cells

function code(text: string): string {
  return `\`${text}\``;
}

function shown(value: unknown): string {
  if (typeof value === 'number' && value !== 0 && Math.abs(value) < 1e-3) return value.toExponential();
  return typeof value === 'string' ? value : JSON.stringify(value);
}

function defaultShown(k: Key): string | undefined {
  if (k.form === 'value' && k.default !== undefined) return shown(k.default);
  if (k.form === 'union' && k.default !== undefined) return k.default;
  return undefined;
}

function enumValues(k: ValueKey): readonly string[] | undefined {
  return Array.isArray(k.schema.enum) ? (k.schema.enum as string[]) : undefined;
}

function valueText(k: Key): string {
  switch (k.form) {
    case 'value': {
      const values = enumValues(k);
      if (values) return values.map(code).join(' \\| ');
      if (k.schema.type === 'boolean') return '`true` \\| `false`';
      return k.range !== undefined ? `${code(k.shape)}, ${k.range}` : code(k.shape);
    }
    case 'list': {
      if (k.statement) return `${code(`${k.statement.word} ${k.statement.positional.join(' ').toUpperCase()} { layers }`)}, repeated`;
      const item = k.item.form === 'value' && k.item.range ? `, each ${k.item.range}` : '';
      const count = k.minItems !== undefined && k.minItems === k.maxItems ? `exactly ${k.minItems}` : k.minItems ? `at least ${k.minItems}` : '';
      return `list${count ? ` (${count}${item})` : item ? ` (${item.slice(2)})` : ''}`;
    }
    case 'layers':
      return '`{ layers }`';
    case 'section':
      return k.syntax === 'options' ? 'options' : '`{ … }`';
    case 'union':
      return Object.entries(k.variants)
        .flatMap(([name, v]) => tagsOf(name, v))
        .map(code)
        .join(' \\| ');
  }
}

function defaultText(k: Key): string {
  const fixed = defaultShown(k);
  if (fixed !== undefined) return code(fixed);
  if (k.computed !== undefined) return k.computed;
  if (k.absent !== undefined) return k.absent;
  if (k.required) return 'required';
  if (k.form === 'section' && k.filled) return 'every default';
  return 'none';
}

function meaning(name: string, k: Key): string {
  return k.option ? `${k.doc}; also \`${name}=\` on the first line` : k.doc;
}

function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const line = (cells: readonly string[]) => `| ${cells.map((c) => c.replace(/\|(?<!\\\|)/g, '\\|')).join(' | ')} |\n`;
  return line(header) + line(header.map(() => '---')) + rows.map(line).join('');
}
