import { describe, expect, it } from 'vitest';
import { ALLOWED_GLOBALS, readPickle, storageSpan, type PickleValue } from '../../../src/compiler/pretrained/pickle.js';
import { PickleWriter, statePickle } from '../../fixtures/torch-files.js';

const CONV = { name: 'conv.weight', storage: 'FloatStorage', key: '0', numel: 18, shape: [2, 1, 3, 3] };

function dictOf(value: PickleValue): Map<string | number, PickleValue> {
  if (typeof value !== 'object' || value === null || value.kind !== 'dict') throw new Error('not a dict');
  return value.entries;
}

describe('the restricted pickle reader', () => {
  it("reads torch.save's state-dict pickle: tensors with storage, offset, shape and stride", () => {
    const read = readPickle(statePickle([CONV, { name: 'fc.bias', storage: 'HalfStorage', key: '1', numel: 6, shape: [3], stride: [2], offset: 1 }]));
    if (!('value' in read)) throw new Error(read.error);
    const entries = dictOf(read.value);
    expect([...entries.keys()]).toEqual(['conv.weight', 'fc.bias']);
    expect(entries.get('conv.weight')).toEqual({ kind: 'tensor', storage: { kind: 'storage', dtype: 'F32', key: '0', location: 'cpu', numel: 18 }, offset: 0, shape: [2, 1, 3, 3], stride: [9, 9, 3, 1] });
    expect(entries.get('fc.bias')).toMatchObject({ storage: { dtype: 'F16', numel: 6 }, offset: 1, shape: [3], stride: [2] });
  });

  it('allows exactly the globals a state dict needs', () => {
    expect([...ALLOWED_GLOBALS].sort()).toEqual(
      [
        'collections.OrderedDict',
        'torch._utils._rebuild_tensor_v2',
        'torch._utils._rebuild_parameter',
        ...['Float', 'Double', 'Half', 'BFloat16', 'Long', 'Int', 'Short', 'Char', 'Byte', 'Bool'].map((t) => `torch.${t}Storage`),
      ].sort(),
    );
  });

  it('refuses any other global by name, whether by GLOBAL or STACK_GLOBAL, before anything could call it', () => {
    for (const [module, name] of [['os', 'system'], ['builtins', 'eval'], ['torch.storage', '_load_from_bytes'], ['torch.nn.modules.conv', 'Conv2d'], ['posix', 'system']]) {
      const viaGlobal = readPickle(new PickleWriter().proto().global(module!, name!).string('echo pwned').op(0x85).reduce().stop().done());
      expect(viaGlobal).toEqual({ error: expect.stringContaining(`'${module}.${name}'`) });
      const viaStack = readPickle(new PickleWriter().proto(4).string(module!).string(name!).op(0x93).stop().done());
      expect(viaStack).toEqual({ error: expect.stringContaining(`'${module}.${name}'`) });
    }
  });

  it('refuses calling an allowed name in another form: a storage class, OrderedDict with items, hooks on a tensor', () => {
    const storageCall = new PickleWriter().proto().global('torch', 'FloatStorage').emptyTuple().reduce().stop().done();
    expect(readPickle(storageCall)).toEqual({ error: expect.stringContaining('not a function a state dict calls') });
    const withItems = new PickleWriter().proto().global('collections', 'OrderedDict').mark().emptyTuple().tuple().reduce().stop().done();
    expect(readPickle(withItems)).toEqual({ error: expect.stringContaining('with arguments') });
    const hooked = statePickle([CONV]);
    // Put a key into the (empty) backward-hooks dict: replace its `) R` (empty tuple, reduce) after OrderedDict with a one-item dict.
    const hooks = new PickleWriter().proto().global('torch._utils', '_rebuild_tensor_v2').mark();
    hooks.mark().string('storage').global('torch', 'FloatStorage').string('0').string('cpu').int(1).tuple().persid();
    hooks.int(0).mark().int(1).tuple().mark().int(1).tuple().bool(false).emptyDict().string('hook').string('x').op(0x73).tuple().reduce().stop();
    expect(readPickle(hooks.done())).toEqual({ error: expect.stringContaining('backward hooks') });
    expect('value' in readPickle(hooked)).toBe(true);
  });

  it('refuses opcodes a state dict never uses (INST, OBJ, NEWOBJ, EXT1, BINBYTES)', () => {
    for (const op of [0x69, 0x6f, 0x81, 0x82, 0x42]) {
      expect(readPickle(new PickleWriter().proto().op(op).stop().done())).toEqual({ error: expect.stringContaining(`opcode 0x${op.toString(16)}`) });
    }
  });

  it('reports every truncation of a valid pickle as an error, never an exception', () => {
    const whole = statePickle([CONV]);
    for (let n = 0; n < whole.length; n++) expect('error' in readPickle(whole.subarray(0, n)), `cut at ${n}`).toBe(true);
  });

  it('never allocates what a length field claims: a 4 GB string in a 20-byte pickle', () => {
    const bytes = Uint8Array.from([0x80, 2, 0x58, 0xff, 0xff, 0xff, 0xff, 0x61, 0x62, 0x2e]);
    expect(readPickle(bytes)).toEqual({ error: expect.stringContaining('cut short') });
    const big = Uint8Array.from([0x80, 4, 0x8d, 0, 0, 0, 0, 0, 0, 0, 0x10, 0x2e]);
    expect(readPickle(big)).toEqual({ error: expect.stringContaining('longer than the whole pickle') });
  });

  it('refuses a persistent id that is not a storage, and a storage of an unknown type', () => {
    const notStorage = new PickleWriter().proto().mark().string('module').string('x').tuple().persid().stop().done();
    expect(readPickle(notStorage)).toEqual({ error: expect.stringContaining("not ('storage'") });
    const badType = new PickleWriter().proto().mark().string('storage').string('FloatStorage').string('0').string('cpu').int(1).tuple().persid().stop().done();
    expect(readPickle(badType)).toEqual({ error: expect.stringContaining("not one of torch's storage classes") });
  });

  it('computes the storage a strided tensor spans', () => {
    expect(storageSpan({ offset: 0, shape: [2, 1, 3, 3], stride: [9, 9, 3, 1] })).toBe(18);
    expect(storageSpan({ offset: 1, shape: [3], stride: [2] })).toBe(6);
    expect(storageSpan({ offset: 5, shape: [0, 4], stride: [4, 1] })).toBe(0);
  });
});
