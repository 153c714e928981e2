/**
 * A restricted reader of Python pickles: the `data.pkl` of a `torch.save` zip, read
 * the way `torch.load(weights_only=True)` reads it. A pickle is a program for a
 * stack machine whose GLOBAL opcode imports any Python name and whose REDUCE calls
 * it: unpickling an untrusted file is running its code. This reader runs nothing.
 * It knows the opcodes a state dict uses (protocols 2 to 5, no text forms), and a
 * closed allowlist of the globals a state dict needs, each interpreted here by
 * ibc's own code:
 *
 *   collections.OrderedDict           the state dict itself, and empty backward-hook dicts
 *   torch._utils._rebuild_tensor_v2   a tensor: (storage, offset, size, stride, requires_grad, hooks[, metadata])
 *   torch._utils._rebuild_parameter   an nn.Parameter around such a tensor: (tensor, requires_grad, hooks)
 *   torch.FloatStorage, ... (DTYPE_OF_STORAGE)
 *                                     storage classes, which only name the element type inside a
 *                                     persistent id ('storage', class, key, location, numel)
 *
 * Any other global (os.system, builtins.eval, a model class...) is refused where the
 * pickle names it, with its name; so is any opcode outside the table, and any use of
 * an allowed global in another form than the one above. `torch.storage._load_from_bytes`
 * is not allowed: torch.save's zip format never writes it (storages are persistent ids
 * there), and its argument is a whole nested legacy-format torch file.
 *
 * Everything is bounded by the pickle's own length: a length field is checked
 * against the bytes left before anything is allocated, and no value is built
 * recursively, so no pickle can exhaust the stack or claim memory it does not hold.
 */
import { DTYPES, type Dtype } from './dtypes.js';

/** Storage classes torch.save names, and the element type each stores. */
export const DTYPE_OF_STORAGE: Readonly<Record<string, Dtype>> = {
  'torch.FloatStorage': 'F32',
  'torch.DoubleStorage': 'F64',
  'torch.HalfStorage': 'F16',
  'torch.BFloat16Storage': 'BF16',
  'torch.LongStorage': 'I64',
  'torch.IntStorage': 'I32',
  'torch.ShortStorage': 'I16',
  'torch.CharStorage': 'I8',
  'torch.ByteStorage': 'U8',
  'torch.BoolStorage': 'BOOL',
};

/** The callable globals, by what ibc does for them. */
const CALLABLE_GLOBALS = {
  'collections.OrderedDict': 'ordered-dict',
  'torch._utils._rebuild_tensor_v2': 'rebuild-tensor',
  'torch._utils._rebuild_parameter': 'rebuild-parameter',
} as const;

type Callable = (typeof CALLABLE_GLOBALS)[keyof typeof CALLABLE_GLOBALS];

/** Every global a pickle may name: the callables and the storage classes. */
export const ALLOWED_GLOBALS: readonly string[] = [...Object.keys(CALLABLE_GLOBALS), ...Object.keys(DTYPE_OF_STORAGE)];

export interface PickleStorage {
  readonly kind: 'storage';
  readonly dtype: Dtype;
  /** The storage's file name inside the archive's data/ folder. */
  readonly key: string;
  readonly location: string;
  /** Elements the pickle says the storage holds (checked against the file by the caller). */
  readonly numel: number;
}

export interface PickleTensor {
  readonly kind: 'tensor';
  readonly storage: PickleStorage;
  /** In elements. */
  readonly offset: number;
  readonly shape: readonly number[];
  readonly stride: readonly number[];
}

export interface PickleDict {
  readonly kind: 'dict';
  readonly entries: Map<string | number, PickleValue>;
}

export type PickleValue =
  | null
  | boolean
  | number
  | string
  | { readonly kind: 'tuple'; readonly items: readonly PickleValue[] }
  | { readonly kind: 'list'; readonly items: PickleValue[] }
  | PickleDict
  | { readonly kind: 'global'; readonly name: string }
  | PickleStorage
  | PickleTensor;

export type PickleResult = { readonly value: PickleValue } | { readonly error: string };

/** A refusal inside the reader; caught at its top and returned as a value. */
class Refused extends Error {}

function describe(v: PickleValue | undefined): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'None';
  if (typeof v !== 'object') return typeof v === 'string' ? 'a string' : typeof v === 'number' ? 'a number' : 'a boolean';
  return v.kind === 'global' ? `the global ${v.name}` : `a ${v.kind}`;
}

const isTuple = (v: PickleValue | undefined): v is { readonly kind: 'tuple'; readonly items: readonly PickleValue[] } => typeof v === 'object' && v !== null && v.kind === 'tuple';
const isDict = (v: PickleValue | undefined): v is PickleDict => typeof v === 'object' && v !== null && v.kind === 'dict';
const isCount = (v: PickleValue | undefined): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

function intTuple(v: PickleValue | undefined, what: string): number[] {
  if (!isTuple(v) || !v.items.every(isCount)) throw new Refused(`${what} is ${describe(v)}, not a tuple of non-negative integers`);
  return v.items as number[];
}

/** A storage from a persistent id: ('storage', StorageClass, key, location, numel). */
function persistentStorage(pid: PickleValue | undefined): PickleStorage {
  if (!isTuple(pid) || pid.items.length !== 5 || pid.items[0] !== 'storage') throw new Refused(`a persistent id is ${describe(pid)}, not ('storage', type, key, location, numel)`);
  const [, type, key, location, numel] = pid.items;
  const dtype = typeof type === 'object' && type !== null && type.kind === 'global' ? DTYPE_OF_STORAGE[type.name] : undefined;
  if (!dtype) throw new Refused(`a storage's type is ${describe(type)}, not one of torch's storage classes`);
  if (typeof key !== 'string' || !/^[A-Za-z0-9_.-]{1,64}$/.test(key)) throw new Refused(`a storage key is ${describe(key)}, not a short name`);
  if (typeof location !== 'string') throw new Refused(`storage '${key}' has no device location`);
  if (!isCount(numel)) throw new Refused(`storage '${key}' claims ${describe(numel)} elements`);
  return { kind: 'storage', dtype, key, location, numel };
}

function call(callable: Callable, args: PickleValue | undefined): PickleValue {
  if (!isTuple(args)) throw new Refused(`arguments of a call are ${describe(args)}, not a tuple`);
  const a = args.items;
  switch (callable) {
    case 'ordered-dict':
      if (a.length !== 0) throw new Refused('collections.OrderedDict is called with arguments; a state dict builds it empty and fills it');
      return { kind: 'dict', entries: new Map() };
    case 'rebuild-tensor': {
      if (a.length !== 6 && a.length !== 7) throw new Refused(`_rebuild_tensor_v2 has ${a.length} arguments, not 6 or 7`);
      const [storage, offset, size, stride, requiresGrad, hooks] = a;
      if (typeof storage !== 'object' || storage === null || storage.kind !== 'storage') throw new Refused(`a tensor's storage is ${describe(storage)}`);
      if (!isCount(offset)) throw new Refused(`a tensor's storage offset is ${describe(offset)}`);
      const shape = intTuple(size, "a tensor's size");
      const strides = intTuple(stride, "a tensor's stride");
      if (shape.length !== strides.length) throw new Refused(`a tensor has ${shape.length} sizes but ${strides.length} strides`);
      if (typeof requiresGrad !== 'boolean') throw new Refused(`a tensor's requires_grad is ${describe(requiresGrad)}`);
      if (!isDict(hooks) || hooks.entries.size > 0) throw new Refused('a tensor carries backward hooks (code), which a state dict never has');
      return { kind: 'tensor', storage, offset, shape, stride: strides };
    }
    case 'rebuild-parameter': {
      const [data, requiresGrad, hooks] = a;
      if (a.length !== 3 || typeof data !== 'object' || data === null || data.kind !== 'tensor' || typeof requiresGrad !== 'boolean') {
        throw new Refused('_rebuild_parameter is not called with (tensor, requires_grad, hooks)');
      }
      if (!isDict(hooks) || hooks.entries.size > 0) throw new Refused('a parameter carries backward hooks (code), which a state dict never has');
      return data;
    }
  }
}

const MAX_NAME = 256;

/** Reads `bytes` as a pickle under the allowlist. */
export function readPickle(bytes: Uint8Array): PickleResult {
  try {
    return { value: run(bytes) };
  } catch (error) {
    if (error instanceof Refused) return { error: error.message };
    throw error;
  }
}

function run(bytes: Uint8Array): PickleValue {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const utf8 = new TextDecoder('utf-8', { fatal: true });
  const stack: PickleValue[] = [];
  const marks: number[] = [];
  const memo = new Map<number, PickleValue>();
  let at = 0;

  const need = (n: number, what: string): void => {
    if (n > bytes.length - at) throw new Refused(`the pickle ends inside ${what} at byte ${at} (it is cut short)`);
  };
  const u8 = (): number => {
    need(1, 'an argument');
    return bytes[at++]!;
  };
  const u16 = (): number => {
    need(2, 'an argument');
    at += 2;
    return view.getUint16(at - 2, true);
  };
  const u32 = (): number => {
    need(4, 'an argument');
    at += 4;
    return view.getUint32(at - 4, true);
  };
  const u64 = (): number => {
    need(8, 'an argument');
    const v = view.getBigUint64(at, true);
    at += 8;
    if (v > BigInt(bytes.length)) throw new Refused(`a length of ${v} bytes at byte ${at - 8} is longer than the whole pickle`);
    return Number(v);
  };
  const text = (length: number): string => {
    need(length, `a string of ${length} bytes`);
    try {
      return utf8.decode(bytes.subarray(at, (at += length)));
    } catch {
      throw new Refused(`a string at byte ${at - length} is not valid UTF-8`);
    }
  };
  const line = (): string => {
    const end = bytes.indexOf(0x0a, at);
    if (end < 0 || end - at > MAX_NAME) throw new Refused(`a GLOBAL name at byte ${at} is not a line of at most ${MAX_NAME} characters`);
    const s = text(end - at);
    at++;
    return s;
  };
  const pop = (): PickleValue => {
    if (stack.length === 0 || (marks.length > 0 && stack.length <= marks[marks.length - 1]!)) throw new Refused(`the pickle pops an empty stack at byte ${at - 1}`);
    return stack.pop()!;
  };
  const popMark = (): PickleValue[] => {
    const mark = marks.pop();
    if (mark === undefined) throw new Refused(`the pickle closes a MARK it never opened at byte ${at - 1}`);
    return stack.splice(mark);
  };
  const top = (): PickleValue => {
    const v = stack[stack.length - 1];
    if (v === undefined || (marks.length > 0 && stack.length <= marks[marks.length - 1]!)) throw new Refused(`the pickle reads an empty stack at byte ${at - 1}`);
    return v;
  };
  const global = (name: string): PickleValue => {
    if (!ALLOWED_GLOBALS.includes(name)) {
      throw new Refused(`the pickle names the global '${name}', which a state dict never needs; refused without running it (allowed: ${ALLOWED_GLOBALS.join(', ')})`);
    }
    return { kind: 'global', name };
  };
  const setItems = (dict: PickleValue, items: readonly PickleValue[]): void => {
    if (!isDict(dict)) throw new Refused(`the pickle sets items on ${describe(dict)}`);
    if (items.length % 2 !== 0) throw new Refused('the pickle sets a key without a value');
    for (let i = 0; i < items.length; i += 2) {
      const key = items[i];
      if (typeof key !== 'string' && !(typeof key === 'number' && Number.isSafeInteger(key))) throw new Refused(`a dict key is ${describe(key)}`);
      dict.entries.set(key, items[i + 1] ?? null);
    }
  };
  const append = (list: PickleValue, items: readonly PickleValue[]): void => {
    if (typeof list !== 'object' || list === null || list.kind !== 'list') throw new Refused(`the pickle appends to ${describe(list)}`);
    list.items.push(...items);
  };
  const memoGet = (index: number): PickleValue => {
    if (!memo.has(index)) throw new Refused(`the pickle reads memo slot ${index}, which was never written`);
    return memo.get(index)!;
  };

  for (;;) {
    if (at >= bytes.length) throw new Refused(`the pickle ends at byte ${at} without its STOP opcode (it is cut short)`);
    const op = bytes[at++]!;
    switch (op) {
      case 0x80: // PROTO
        if (u8() > 5) throw new Refused(`pickle protocol ${bytes[at - 1]} is newer than 5`);
        break;
      case 0x95: // FRAME: a length hint only
        u64();
        break;
      case 0x2e: // STOP
        if (stack.length !== 1 || marks.length > 0) throw new Refused(`the pickle stops with ${stack.length} values on its stack`);
        return stack[0]!;
      case 0x28: // MARK
        marks.push(stack.length);
        break;
      case 0x4e: // NONE
        stack.push(null);
        break;
      case 0x88: // NEWTRUE
        stack.push(true);
        break;
      case 0x89: // NEWFALSE
        stack.push(false);
        break;
      case 0x4b: // BININT1
        stack.push(u8());
        break;
      case 0x4d: // BININT2
        stack.push(u16());
        break;
      case 0x4a: {
        // BININT (signed)
        need(4, 'an integer');
        stack.push(view.getInt32(at, true));
        at += 4;
        break;
      }
      case 0x8a: {
        // LONG1: a little-endian two's complement integer of n bytes
        const n = u8();
        if (n > 8) throw new Refused(`an integer of ${n} bytes at byte ${at - 2} is beyond any size a tensor has`);
        need(n, 'an integer');
        let v = 0n;
        for (let i = n - 1; i >= 0; i--) v = (v << 8n) | BigInt(bytes[at + i]!);
        if (n > 0 && bytes[at + n - 1]! & 0x80) v -= 1n << BigInt(8 * n);
        at += n;
        if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < BigInt(Number.MIN_SAFE_INTEGER)) throw new Refused(`the integer ${v} is beyond 2^53`);
        stack.push(Number(v));
        break;
      }
      case 0x47: {
        // BINFLOAT (big-endian double)
        need(8, 'a float');
        stack.push(view.getFloat64(at, false));
        at += 8;
        break;
      }
      case 0x58: // BINUNICODE
        stack.push(text(u32()));
        break;
      case 0x8c: // SHORT_BINUNICODE
        stack.push(text(u8()));
        break;
      case 0x8d: // BINUNICODE8
        stack.push(text(u64()));
        break;
      case 0x29: // EMPTY_TUPLE
        stack.push({ kind: 'tuple', items: [] });
        break;
      case 0x85: // TUPLE1
        stack.push({ kind: 'tuple', items: [pop()] });
        break;
      case 0x86: {
        // TUPLE2
        const b = pop();
        stack.push({ kind: 'tuple', items: [pop(), b] });
        break;
      }
      case 0x87: {
        // TUPLE3
        const c = pop();
        const b = pop();
        stack.push({ kind: 'tuple', items: [pop(), b, c] });
        break;
      }
      case 0x74: // TUPLE
        stack.push({ kind: 'tuple', items: popMark() });
        break;
      case 0x5d: // EMPTY_LIST
        stack.push({ kind: 'list', items: [] });
        break;
      case 0x7d: // EMPTY_DICT
        stack.push({ kind: 'dict', entries: new Map() });
        break;
      case 0x73: {
        // SETITEM
        const value = pop();
        const key = pop();
        setItems(top(), [key, value]);
        break;
      }
      case 0x75: {
        // SETITEMS
        const items = popMark();
        setItems(top(), items);
        break;
      }
      case 0x61: {
        // APPEND
        const item = pop();
        append(top(), [item]);
        break;
      }
      case 0x65: {
        // APPENDS
        const items = popMark();
        append(top(), items);
        break;
      }
      case 0x71: // BINPUT
        memo.set(u8(), top());
        break;
      case 0x72: // LONG_BINPUT
        memo.set(u32(), top());
        break;
      case 0x94: // MEMOIZE
        memo.set(memo.size, top());
        break;
      case 0x68: // BINGET
        stack.push(memoGet(u8()));
        break;
      case 0x6a: // LONG_BINGET
        stack.push(memoGet(u32()));
        break;
      case 0x63: {
        // GLOBAL "module\nname\n"
        const module = line();
        stack.push(global(`${module}.${line()}`));
        break;
      }
      case 0x93: {
        // STACK_GLOBAL
        const name = pop();
        const module = pop();
        if (typeof module !== 'string' || typeof name !== 'string') throw new Refused('STACK_GLOBAL without a module and a name');
        stack.push(global(`${module}.${name}`));
        break;
      }
      case 0x51: // BINPERSID
        stack.push(persistentStorage(pop()));
        break;
      case 0x52: {
        // REDUCE
        const args = pop();
        const callable = pop();
        const kind = typeof callable === 'object' && callable !== null && callable.kind === 'global' ? (CALLABLE_GLOBALS as Record<string, Callable>)[callable.name] : undefined;
        if (!kind) throw new Refused(`the pickle calls ${describe(callable)}, which is not a function a state dict calls`);
        stack.push(call(kind, args));
        break;
      }
      case 0x62: {
        // BUILD: only an OrderedDict's attributes (a state dict's `_metadata`), which ibc does not need
        const state = pop();
        if (!isDict(top()) || !isDict(state)) throw new Refused(`the pickle sets the state of ${describe(top())} from ${describe(state)}`);
        break;
      }
      default:
        throw new Refused(`opcode 0x${op.toString(16).padStart(2, '0')} at byte ${at - 1} is not one a state dict uses`);
    }
  }
}

/** Bytes a tensor's elements span in its storage: the largest element index it reads, plus one (0 when empty). */
export function storageSpan(tensor: Pick<PickleTensor, 'offset' | 'shape' | 'stride'>): number {
  if (tensor.shape.some((d) => d === 0)) return 0;
  return tensor.offset + tensor.shape.reduce((last, d, i) => last + (d - 1) * tensor.stride[i]!, 0) + 1;
}

export function elementBytes(dtype: Dtype): number {
  return DTYPES[dtype].bytes;
}
