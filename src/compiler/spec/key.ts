/**
 * The building blocks of the language definition (definitions.ts): each key is
 * described once — its value type, range or enum, default and doc — by a small
 * typed builder (`key.number({ min: 0, default: 0.01, doc })`). Everything
 * else is derived from these descriptions: the statement table the document builder
 * walks (vocabulary.ts), the JSON Schema (json-schema.ts), the docs tables
 * (docs-tables.ts), and, through the type functions below, the TypeScript type
 * of a validated document (`DocType`) and of the resolved spec (`ResolvedType`).
 *
 * Values are phantom-typed: a key carries, in the optional `types` field that
 * is never set, the type of its value in the document and once resolved, so
 * that TypeScript infers both from the builder call.
 */
import type { Span } from '../../diagnostics/diagnostic.js';
import type { NonEmpty } from '../../support/checked.js';

export type Schema = Record<string, unknown>;

/** Where a piece of the resolved spec came from. Optional so that specs built in code need none. */
export interface HasOrigin {
  readonly origin?: Span;
}

/** What every key may say about itself. */
export interface KeyOptions {
  /** What the key means; shown in the docs table, the JSON Schema and `ibc schema`. */
  readonly doc: string;
  /** The key must be given (the schema's `required`). */
  readonly required?: boolean;
  /** The key may also be written as an option on its parent's first line (`attention at=stage2`, `data folder train="dir"`). */
  readonly option?: boolean;
  /** Its name in the resolved spec when that differs (`kl` -> `klForm`). */
  readonly as?: string;
  /** In a variant with several tags: the only tags that have this key (`alpha` for `leaky_relu`). */
  readonly only?: readonly string[];
  /**
   * A default that resolve.ts computes from other values (the docs show this
   * text); the resolved key is always present, and resolve.ts must supply it.
   */
  readonly computed?: string;
  /** Docs only: what leaving out an optional key without a default means. */
  readonly absent?: string;
}

/** A phantom carrying a key's value types; never set at run time. */
interface Types<D, R> {
  readonly doc: D;
  readonly resolved: R;
}

/** A plain value: a number, a name, a list of numbers, a size. */
export interface ValueKey<D = unknown, R = D> extends KeyOptions {
  readonly form: 'value';
  /** The JSON Schema of the value, without its description. */
  readonly schema: Schema;
  /** How the docs show an example value: `N`, `HxW`, `standard`. */
  readonly shape: string;
  /** The range or the allowed values, for the docs: `≥ 1`, `standard, reference`. */
  readonly range?: string;
  readonly default?: D;
  /** How resolve turns the written value into the resolved one: a number or pair -> [h, w]; a path against the file's folder. */
  readonly convert?: 'pair' | 'triple' | 'path';
  readonly types?: Types<D, R>;
}

/** A list of values or of blocks (`milestones=[...]`, custom stages). */
export interface ListKey<I extends Key = Key> extends KeyOptions {
  readonly form: 'list';
  readonly item: I;
  readonly minItems?: number;
  readonly maxItems?: number;
  /**
   * Each item is its own statement that appends to the list (`stage NAME { layers }`
   * appends to `stages`): the statement's word, its positional fields and the field its
   * block of layers goes to.
   */
  readonly statement?: { readonly word: string; readonly positional: readonly string[]; readonly layersField: string };
}

/** A block of layer statements (`decoder { linear 10 }`). */
export interface LayersKey<L extends UnionKey = UnionKey> extends KeyOptions {
  readonly form: 'layers';
  readonly item: L;
  readonly minItems: number;
}

/**
 * How a record's fields are written: 'block' — statements in a `{ }` block
 * (keys marked `option` may also be options); 'options' — `name=value` options
 * on the statement's line, no block.
 */
export type Syntax = 'block' | 'options';

/** A phantom for fields that resolve.ts adds to a resolved section or union beyond its keys (`atOrigin`, other source spans). */
export interface Extra<X> {
  readonly fields?: X;
}

/** A record of keys (`model { }`, `std_head kernel=3 offset=-5`). */
export interface SectionKey<T extends KeyTable = KeyTable> extends KeyOptions {
  readonly form: 'section';
  readonly keys: T;
  readonly syntax: Syntax;
  /** Fields written positionally, in order (`warmup [0.1]` -> lrs). */
  readonly positional?: readonly string[];
  /** Absent means every default (`samples`, `checkpoint`); otherwise absent stays absent (`quantize`, `crop`). */
  readonly filled?: boolean;
  /** The resolved section records where it was written. */
  readonly origin?: boolean;
  readonly extra?: Extra<unknown>;
}

/** One alternative of a tagged union. */
export interface Variant<T extends KeyTable = KeyTable> {
  readonly doc: string;
  readonly keys: T;
  /** Several tags sharing these keys (`vgg16_bn`, `vgg16`); absent = the variant's own name. */
  readonly tags?: readonly string[];
  /** Fields written positionally after the tag, for layers (`conv 16` -> filters). */
  readonly positional?: readonly string[];
}

export type VariantTable = Readonly<Record<string, Variant>>;

/** A tagged union (`optimizer sgd lr=0.1`, layers): the tag picks the variant. */
export interface UnionKey<V extends VariantTable = VariantTable, Tag extends string = string> extends KeyOptions {
  readonly form: 'union';
  readonly tag: Tag;
  readonly variants: V;
  readonly syntax: Syntax;
  /** The tag when the whole union is absent (`optimizer` -> sgd with its defaults). */
  readonly default?: string;
  readonly origin?: boolean;
  /** Shared by reference in the JSON Schema (`#/definitions/layer`). */
  readonly ref?: string;
  readonly extra?: Extra<unknown>;
}

export type Key = ValueKey | ListKey | LayersKey | SectionKey | UnionKey;
export type KeyTable = Readonly<Record<string, Key>>;

// ---------------------------------------------------------------- builders

interface NumberOptions extends KeyOptions {
  readonly min?: number;
  readonly max?: number;
  /** Exclusive lower bound. */
  readonly above?: number;
  /** Exclusive upper bound. */
  readonly below?: number;
  readonly default?: number;
  readonly shape?: string;
}

function numberKey(type: 'integer' | 'number', o: NumberOptions): ValueKey<number> {
  const bounds = [
    ['minimum', o.min, '≥'],
    ['exclusiveMinimum', o.above, '>'],
    ['maximum', o.max, '≤'],
    ['exclusiveMaximum', o.below, '<'],
  ] as const;
  const schema: Schema = { type };
  const range: string[] = [];
  for (const [keyword, bound, sign] of bounds) {
    if (bound === undefined) continue;
    schema[keyword] = bound;
    range.push(`${sign} ${bound}`);
  }
  return { form: 'value', shape: o.shape ?? (type === 'integer' ? 'N' : 'X'), ...(range.length > 0 ? { range: range.join(', ') } : {}), ...o, schema };
}

interface StringOptions extends KeyOptions {
  readonly pattern?: string;
  readonly minLength?: number;
  readonly shape?: string;
  readonly default?: string;
}

function stringSchema(o: StringOptions): Schema {
  return { type: 'string', ...(o.pattern !== undefined ? { pattern: o.pattern } : {}), ...(o.minLength !== undefined ? { minLength: o.minLength } : {}) };
}

const POSITIVE_INT: Schema = { type: 'integer', minimum: 1 };
const SQUARE_OR_PAIR = 'a whole number ≥ 1 or a pair like 3x3';

export const key = {
  /** A whole number. */
  int<const O extends NumberOptions>(o: O): ValueKey<number> & O {
    return numberKey('integer', o) as ValueKey<number> & O;
  },
  number<const O extends NumberOptions>(o: O): ValueKey<number> & O {
    return numberKey('number', o) as ValueKey<number> & O;
  },
  bool<const O extends KeyOptions & { readonly default?: boolean }>(o: O): ValueKey<boolean> & O {
    return { form: 'value', schema: { type: 'boolean' }, shape: 'true', ...o };
  },
  /** A name or quoted text. */
  string<const O extends StringOptions>(o: O): ValueKey<string> & O {
    return { form: 'value', shape: o.shape ?? 'NAME', ...o, schema: stringSchema(o) };
  },
  /** A file or folder, resolved against the folder of the spec file that wrote it. */
  path<const O extends StringOptions>(o: O): ValueKey<string> & O {
    return { form: 'value', shape: '"file"', convert: 'path', ...o, schema: stringSchema(o) };
  },
  /** One of a fixed set of names. */
  oneOf<const V extends NonEmpty<string>, const O extends KeyOptions & { readonly default?: V[number] }>(values: V, o: O): ValueKey<V[number]> & O {
    return { form: 'value', schema: { type: 'string', enum: [...values] }, shape: o.default ?? values[0], range: values.join(', '), ...o };
  },
  /** A size: one whole number (square) or a pair `3x5`; resolved to [height, width]. */
  size<const O extends KeyOptions & { readonly default?: number; readonly shape?: string }>(
    o: O,
  ): ValueKey<number | readonly number[], readonly [number, number]> & O {
    return {
      form: 'value',
      shape: o.shape ?? 'N',
      range: SQUARE_OR_PAIR,
      convert: 'pair',
      ...o,
      schema: { anyOf: [{ ...POSITIVE_INT, description: 'square size' }, { type: 'array', description: '[height, width]', items: { ...POSITIVE_INT, description: 'size' }, minItems: 2, maxItems: 2 }] },
    };
  },
  /** Convolution/pooling padding: same, valid or pixels. */
  padding<const O extends KeyOptions & { readonly default: 'same' | 'valid' }>(o: O): ValueKey<'same' | 'valid' | number> & O {
    return {
      form: 'value',
      shape: o.default,
      range: 'same, valid, or a number of pixels ≥ 0',
      ...o,
      schema: {
        anyOf: [
          { type: 'string', enum: ['same', 'valid'], description: 'TF-style padding' },
          { type: 'integer', minimum: 0, description: 'explicit symmetric padding in pixels' },
        ],
      },
    };
  },
  /** Exactly two whole numbers ≥ 1 (`HxW`), resolved to [height, width]. */
  pair<const O extends KeyOptions>(o: O): ValueKey<readonly number[], readonly [number, number]> & O {
    return { form: 'value', shape: 'HxW', convert: 'pair', ...o, schema: { type: 'array', items: { ...POSITIVE_INT, description: 'size' }, minItems: 2, maxItems: 2 } };
  },
  /** Exactly three whole numbers ≥ 1 (`HxWxC`), resolved to [height, width, channels]. */
  triple<const O extends KeyOptions>(o: O): ValueKey<readonly number[], readonly [number, number, number]> & O {
    return { form: 'value', shape: 'HxWxC', convert: 'triple', ...o, schema: { type: 'array', items: { ...POSITIVE_INT, description: 'size' }, minItems: 3, maxItems: 3 } };
  },
  /** A list of values or of blocks. */
  list<const I extends Key, const O extends KeyOptions & Omit<ListKey, 'form' | 'item' | keyof KeyOptions>>(item: I, o: O): ListKey<I> & O {
    return { form: 'list', item, ...o };
  },
  /** A block of layers. */
  layers<const L extends UnionKey, const O extends KeyOptions & { readonly minItems?: number }>(item: L, o: O): LayersKey<L> & O {
    return { form: 'layers', item, minItems: 1, ...o };
  },
  /** A record of keys. */
  section<const T extends KeyTable, const O extends KeyOptions & Partial<Omit<SectionKey, 'form' | 'keys' | keyof KeyOptions>>>(
    keys: T,
    o: O,
  ): SectionKey<T> & O {
    return { form: 'section', keys, syntax: 'block', ...o };
  },
  /** A tagged union; `tag` names the field holding the tag (`kind`, `type`). */
  union<const Tag extends string, const V extends VariantTable, const O extends KeyOptions & Partial<Omit<UnionKey, 'form' | 'tag' | 'variants' | keyof KeyOptions>>>(
    tag: Tag,
    variants: V,
    o: O,
  ): UnionKey<V, Tag> & O {
    return { form: 'union', tag, variants, syntax: 'options', ...o };
  },
};

/** One alternative of a union, with its keys. */
export function variant<const T extends KeyTable, const O extends Omit<Variant, 'keys' | 'doc'> = {}>(doc: string, keys: T, o?: O): Variant<T> & NoInfer<O> {
  return { doc, keys, ...o } as Variant<T> & O;
}

/** Declares fields resolve.ts adds to a resolved section beyond its keys. */
export function extraFields<X>(): Extra<X> {
  return {};
}

// ---------------------------------------------------------------- types

type Simplify<T> = { [K in keyof T]: T[K] } & {};

type RequiredNames<T extends KeyTable> = { [K in keyof T]: T[K] extends { readonly required: true } ? K : never }[keyof T];

/** The validated document of a table of keys: surface names, defaults not filled in. */
export type DocOf<T extends KeyTable> = Simplify<
  { readonly [K in RequiredNames<T>]: DocType<T[K]> } & { readonly [K in Exclude<keyof T, RequiredNames<T>>]?: DocType<T[K]> }
>;

type VariantTags<N, V> = V extends { readonly tags: readonly (infer T)[] } ? T : N;

/** The document type of one key's value. */
export type DocType<K> = K extends { readonly form: 'value'; readonly types?: Types<infer D, unknown> }
  ? D
  : K extends { readonly form: 'list'; readonly item: infer I }
    ? readonly DocType<I>[]
    : K extends { readonly form: 'layers'; readonly item: infer L }
      ? readonly DocType<L>[]
      : K extends { readonly form: 'section'; readonly keys: infer T extends KeyTable }
        ? DocOf<T>
        : K extends { readonly form: 'union'; readonly tag: infer Tag extends string; readonly variants: infer V extends VariantTable }
          ? { [N in keyof V]: Simplify<{ readonly [P in Tag]: VariantTags<N, V[N]> } & DocOf<V[N]['keys']>> }[keyof V]
          : never;

/** Whether the resolved spec always has the key. */
type AlwaysResolved<K> = K extends { readonly only: readonly string[] }
  ? false
  : K extends { readonly required: true }
    ? true
    : K extends { readonly default: unknown }
      ? true
      : K extends { readonly computed: string }
        ? true
        : K extends { readonly filled: true }
          ? true
          : false;

type ResolvedName<K, N> = K extends { readonly as: infer A extends string } ? A : N;
type PresentNames<T extends KeyTable> = { [K in keyof T]: AlwaysResolved<T[K]> extends true ? K : never }[keyof T];

/** The resolved record of a table of keys: resolved names, every default present. */
export type ResolvedOf<T extends KeyTable> = Simplify<
  { readonly [K in PresentNames<T> as ResolvedName<T[K], K>]: ResolvedType<T[K]> } & {
    readonly [K in Exclude<keyof T, PresentNames<T>> as ResolvedName<T[K], K>]?: ResolvedType<T[K]>;
  }
>;

type OriginOf<K> = K extends { readonly origin: true } ? HasOrigin : unknown;
type ExtraOf<K> = K extends { readonly extra: Extra<infer X> } ? X : unknown;

/** The resolved type of one key's value. */
export type ResolvedType<K> = K extends { readonly form: 'value'; readonly types?: Types<unknown, infer R> }
  ? R
  : K extends { readonly form: 'list'; readonly item: infer I }
    ? readonly ResolvedType<I>[]
    : K extends { readonly form: 'layers'; readonly item: infer L }
      ? readonly ResolvedType<L>[]
      : K extends { readonly form: 'section'; readonly keys: infer T extends KeyTable }
        ? Simplify<ResolvedOf<T> & OriginOf<K> & ExtraOf<K>>
        : K extends { readonly form: 'union'; readonly tag: infer Tag extends string; readonly variants: infer V extends VariantTable }
          ? { [N in keyof V]: Simplify<{ readonly [P in Tag]: VariantTags<N, V[N]> } & ResolvedOf<V[N]['keys']> & OriginOf<K> & ExtraOf<K>> }[keyof V]
          : never;

// ---------------------------------------------------------------- walking

/** The tags of a variant. */
export function tagsOf(name: string, v: Variant): readonly string[] {
  return v.tags ?? [name];
}

/** The variant a tag selects, with its name. */
export function variantFor(union: UnionKey, tag: string): { name: string; variant: Variant } | undefined {
  for (const [name, v] of Object.entries(union.variants)) if (tagsOf(name, v).includes(tag)) return { name, variant: v };
  return undefined;
}

/** Every tag of a union, in order. */
export function unionTags(union: UnionKey): string[] {
  return Object.entries(union.variants).flatMap(([name, v]) => [...tagsOf(name, v)]);
}

/** Whether a key applies to a tag (keys marked `only` apply to some tags of their variant). */
export function appliesTo(k: Key, tag: string | undefined): boolean {
  return k.only === undefined || (tag !== undefined && k.only.includes(tag));
}

/** The keys of a variant for one tag. */
export function keysForTag(v: Variant, tag: string): [string, Key][] {
  return Object.entries(v.keys).filter(([, k]) => appliesTo(k, tag));
}

/**
 * A variant's tags grouped by the fields they take, in order: tags with the same
 * fields share one schema alternative and one docs row (relu sigmoid tanh ...).
 */
export function tagGroupsOf(name: string, v: Variant): NonEmpty<string>[] {
  const groups = new Map<string, NonEmpty<string>>();
  for (const tag of tagsOf(name, v)) {
    const signature = keysForTag(v, tag)
      .map(([field]) => field)
      .join(',');
    const group = groups.get(signature);
    groups.set(signature, group ? [...group, tag] : [tag]);
  }
  return [...groups.values()];
}

// ---------------------------------------------------------------- filled (before computed defaults)

/** Whether the generic resolution (resolve.ts) always fills the key: as resolved, except computed defaults. */
type AlwaysFilled<K> = K extends { readonly computed: string } ? false : AlwaysResolved<K>;
type FilledNames<T extends KeyTable> = { [K in keyof T]: AlwaysFilled<T[K]> extends true ? K : never }[keyof T];

/** Like ResolvedOf, with the computed defaults still to be supplied (optional: present when written). */
export type FilledOf<T extends KeyTable> = Simplify<
  { readonly [K in FilledNames<T> as ResolvedName<T[K], K>]: FilledType<T[K]> } & {
    readonly [K in Exclude<keyof T, FilledNames<T>> as ResolvedName<T[K], K>]?: FilledType<T[K]>;
  }
>;

/** A key's value after defaults, before computed defaults; layers are already complete. */
export type FilledType<K> = K extends { readonly form: 'value'; readonly types?: Types<unknown, infer R> }
  ? R
  : K extends { readonly form: 'list'; readonly item: infer I }
    ? readonly FilledType<I>[]
    : K extends { readonly form: 'layers'; readonly item: infer L }
      ? readonly ResolvedType<L>[]
      : K extends { readonly form: 'section'; readonly keys: infer T extends KeyTable }
        ? Simplify<FilledOf<T> & OriginOf<K>>
        : K extends { readonly form: 'union'; readonly tag: infer Tag extends string; readonly variants: infer V extends VariantTable }
          ? { [N in keyof V]: Simplify<{ readonly [P in Tag]: VariantTags<N, V[N]> } & FilledOf<V[N]['keys']> & OriginOf<K> & ExtraOf<K>> }[keyof V]
          : never;
