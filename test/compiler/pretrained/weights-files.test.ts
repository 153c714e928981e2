/**
 * The three weights formats through openWeights (recognised by content) on files
 * built in memory, and every way a file can be bad: each a problem naming what is
 * wrong, nothing thrown, nothing allocated that the file merely claims.
 */
import { describe, expect, it } from 'vitest';
import { openWeights } from '../../../src/compiler/pretrained/open-weights.js';
import { encodeSafetensors } from '../../../src/compiler/pretrained/safetensors.js';
import type { OpenedWeights, WeightsFile } from '../../../src/compiler/pretrained/weights-file.js';
import { memoryFileSystem } from '../../../src/host/file-system.js';
import { encodeCheckpoint } from '../../../src/support/checkpoint-format.js';
import { floatBytes, PickleWriter, statePickle, storedZip, torchFile } from '../../fixtures/torch-files.js';

async function open(bytes: Uint8Array, name = 'w.bin'): Promise<OpenedWeights> {
  return openWeights(`/${name}`, memoryFileSystem({ [name]: bytes }));
}

async function opened(bytes: Uint8Array): Promise<WeightsFile> {
  const result = await open(bytes);
  if ('problem' in result) throw new Error(result.problem);
  return result.weights;
}

async function values(file: WeightsFile, name: string): Promise<number[]> {
  const read = await file.tensors.get(name)!.read();
  if ('problem' in read) throw new Error(read.problem);
  return Array.from(read.values);
}

const CONV = { name: 'conv.weight', storage: 'FloatStorage', key: '0', numel: 6, shape: [3, 2] };
const SIX = floatBytes([0, 1, 2, 3, 4, 5]);

describe('torch.save zip files', () => {
  it('reads tensors in row-major order, strided views and other float types converted to float32', async () => {
    const half = new Uint8Array(new Uint16Array([0x3c00, 0xc000, 0x3800]).buffer); // 1, -2, 0.5
    const double = new Uint8Array(new Float64Array([0.25, 1e-3]).buffer);
    const pickle = statePickle([
      CONV,
      { name: 'conv.weight_t', storage: 'FloatStorage', key: '0', numel: 6, shape: [2, 3], stride: [1, 2] },
      { name: 'h', storage: 'HalfStorage', key: '1', numel: 3, shape: [3] },
      { name: 'd', storage: 'DoubleStorage', key: '2', numel: 2, shape: [1], offset: 1 },
      { name: 'bn.num_batches_tracked', storage: 'LongStorage', key: '3', numel: 1, shape: [] },
    ]);
    const file = await opened(torchFile(pickle, { '0': SIX, '1': half, '2': double, '3': new Uint8Array(8) }, 'resnet18-f37072fd'));
    expect(file.format).toBe('torch');
    expect([...file.tensors.keys()]).toEqual(['conv.weight', 'conv.weight_t', 'h', 'd', 'bn.num_batches_tracked']);
    expect(await values(file, 'conv.weight')).toEqual([0, 1, 2, 3, 4, 5]);
    expect(await values(file, 'conv.weight_t')).toEqual([0, 2, 4, 1, 3, 5]);
    expect(await values(file, 'h')).toEqual([1, -2, 0.5]);
    expect(await values(file, 'd')).toEqual([Math.fround(1e-3)]);
    expect(file.tensors.get('bn.num_batches_tracked')).toMatchObject({ dtype: 'I64', shape: [] });
  });

  it('takes the state dict out of a {"state_dict": ...} wrapper', async () => {
    const w = new PickleWriter().proto().emptyDict().string('epoch').int(3).op(0x73).string('state_dict');
    const inner = statePickle([CONV]);
    // The inner pickle without its PROTO (2 bytes) and STOP (1 byte) is the value.
    const bytes = Uint8Array.from([...w.done(), ...inner.subarray(2, inner.length - 1), 0x73, 0x2e]);
    const file = await opened(torchFile(bytes, { '0': SIX }));
    expect(file.description).toContain("'state_dict' entry");
    expect([...file.tensors.keys()]).toEqual(['conv.weight']);
  });

  const problems: [string, () => Uint8Array, string][] = [
    ['a zip cut short', () => torchFile(statePickle([CONV]), { '0': SIX }).subarray(0, 120), 'not a readable zip file'],
    ['a storage shorter than its tensor', () => torchFile(statePickle([{ ...CONV, shape: [4, 2] }]), { '0': SIX }), 'reads up to element 8 of its storage'],
    ['a storage of another size than the pickle says', () => torchFile(statePickle([CONV]), { '0': floatBytes([1, 2]) }), 'holds 8 bytes, but the pickle says 6'],
    ['a 10 GB claimed storage', () => torchFile(statePickle([{ ...CONV, numel: 2_500_000_000, shape: [50_000, 50_000] }]), { '0': SIX }), '2,500,000,000 F32 elements'],
    ['a storage the zip does not hold', () => torchFile(statePickle([CONV]), {}), "storage '0', which the zip does not hold"],
    ['a value that is not a tensor', () => torchFile(new PickleWriter().proto().emptyDict().string('lr').int(3).op(0x73).stop().done(), {}), "maps 'lr' to a number"],
    ['a pickled model object', () => torchFile(new PickleWriter().proto().global('torchvision.models.resnet', 'ResNet').emptyTuple().reduce().stop().done(), {}), "'torchvision.models.resnet.ResNet'"],
    ['big-endian storages', () => storedZip([['a/data.pkl', statePickle([CONV])], ['a/data/0', SIX], ['a/byteorder', new TextEncoder().encode('big')]]), 'big-endian'],
    ['a zip without data.pkl', () => storedZip([['notes.txt', new Uint8Array(3)]]), 'not one torch.save writes'],
    ['the legacy format (torch < 1.6)', () => Uint8Array.from([0x80, 2, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19, 0x2e]), 'legacy format'],
    ['an empty file', () => new Uint8Array(0), 'the file is empty'],
    ['random bytes', () => Uint8Array.from({ length: 64 }, (_, i) => (i * 37 + 11) & 0xff), 'not a weights file ibc reads'],
  ];
  for (const [what, bytes, reason] of problems) {
    it(`refuses ${what}`, async () => {
      expect(await open(bytes())).toEqual({ problem: expect.stringContaining(reason) });
    });
  }

  it('reports a damaged storage (its CRC-32) when the tensor is read', async () => {
    const bytes = torchFile(statePickle([CONV]), { '0': SIX });
    const at = Buffer.from(bytes).indexOf(Buffer.from(SIX));
    bytes[at + 5] = bytes[at + 5]! ^ 0xff;
    const read = await (await opened(bytes)).tensors.get('conv.weight')!.read();
    expect(read).toEqual({ problem: expect.stringContaining('CRC-32') });
  });
});

describe('safetensors files', () => {
  const tensors = new Map([
    ['a.weight', { shape: [2, 3], data: Float32Array.from([1, 2, 3, 4, 5, 6]) }],
    ['b', { shape: [1], data: Float32Array.from([7]) }],
  ]);

  it('round-trips what ibc writes, found by content whatever the file is called', async () => {
    const file = await opened(Buffer.concat(encodeSafetensors(tensors, { producer: 'ibc' })));
    expect(file.format).toBe('safetensors');
    expect(file.tensors.get('a.weight')).toMatchObject({ dtype: 'F32', shape: [2, 3] });
    expect(await values(file, 'a.weight')).toEqual([1, 2, 3, 4, 5, 6]);
    expect(await values(file, 'b')).toEqual([7]);
  });

  function withHeader(header: unknown, data = new Uint8Array(24)): Uint8Array {
    const json = new TextEncoder().encode(JSON.stringify(header));
    const n = new Uint8Array(8);
    new DataView(n.buffer).setBigUint64(0, BigInt(json.length), true);
    return Buffer.concat([n, json, data]);
  }

  const problems: [string, () => Uint8Array, string][] = [
    ['data offsets past the end', () => withHeader({ a: { dtype: 'F32', shape: [10], data_offsets: [0, 40] } }), 'ends at byte 40 of the data, which holds 24'],
    ['offsets that disagree with the shape', () => withHeader({ a: { dtype: 'F32', shape: [2], data_offsets: [0, 12] } }), 'needs 8 bytes'],
    ['an unknown dtype', () => withHeader({ a: { dtype: 'F8_E4M3', shape: [2], data_offsets: [0, 2] } }), 'dtype "F8_E4M3"'],
    ['a header that is not JSON', () => Buffer.concat([Uint8Array.from([3, 0, 0, 0, 0, 0, 0, 0]), new TextEncoder().encode('{x}'), new Uint8Array(4)]), 'not valid JSON'],
  ];
  for (const [what, bytes, reason] of problems) {
    it(`refuses ${what}`, async () => {
      expect(await open(bytes())).toEqual({ problem: expect.stringContaining(reason) });
    });
  }

  it('takes a header length beyond the file for something else than safetensors', async () => {
    const bytes = withHeader({});
    new DataView(bytes.buffer, bytes.byteOffset).setBigUint64(0, 10_000_000_000n, true);
    expect(await open(bytes)).toEqual({ problem: expect.stringContaining('not a weights file') });
  });
});

describe('ibc checkpoints and run directories', () => {
  const checkpoint = (meta: unknown) =>
    Buffer.concat(
      encodeCheckpoint({
        meta,
        tensors: new Map([
          ['weights/backbone/s/conv0/kernel', { shape: [1, 1, 1, 2], data: Float32Array.from([1, 2]) }],
          ['weights/decoder/linear0/bias', { shape: [1], data: Float32Array.from([3]) }],
          ['ema/backbone/s/conv0/kernel', { shape: [1, 1, 1, 2], data: Float32Array.from([1.5, 2.5]) }],
          ['optimizer/x', { shape: [1], data: Float32Array.from([0]) }],
        ]),
      }),
    );

  it("reads a run directory's last checkpoint, with the EMA's averaged weights in place of the raw ones", async () => {
    const fs = memoryFileSystem({ 'run/checkpoints/last.ibck': checkpoint({ format: 'ibc-training-state', epoch: 4 }), 'run/spec.ibspec': 'x' });
    const result = await openWeights('/run', fs);
    if ('problem' in result) throw new Error(result.problem);
    expect(result.weights.description).toBe('an ibc checkpoint (/run, checkpoints/last.ibck, epoch 4, EMA-averaged weights)');
    expect([...result.weights.tensors.keys()]).toEqual(['backbone/s/conv0/kernel', 'decoder/linear0/bias']);
    expect(await values(result.weights, 'backbone/s/conv0/kernel')).toEqual([1.5, 2.5]);
  });

  it('refuses a damaged checkpoint, a folder that is not a run, and other checkpoints', async () => {
    const damaged = checkpoint({ format: 'ibc-training-state' });
    damaged[damaged.length - 1] = damaged[damaged.length - 1]! ^ 1;
    expect(await open(damaged)).toEqual({ problem: expect.stringContaining('SHA-256') });
    expect(await open(checkpoint({ format: 'something-else' }))).toEqual({ problem: expect.stringContaining('without training-state metadata') });
    expect(await openWeights('/runs', memoryFileSystem({ 'runs/a.txt': 'x' }))).toEqual({ problem: expect.stringContaining('not an ibc run directory') });
    expect(await openWeights('/missing.pth', memoryFileSystem({}))).toEqual({ problem: 'it does not exist' });
  });
});
