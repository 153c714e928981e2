/**
 * A PyTorch state dict saved with `torch.save` (the zip format of torch >= 1.6):
 * `ARCHIVE/data.pkl`, a pickle of the dict whose tensors refer to storages by
 * persistent id, and `ARCHIVE/data/KEY`, each storage's raw little-endian bytes.
 * The pickle is read under pickle.ts's allowlist; every tensor is checked against
 * its storage (element type, the storage's size in the zip, offset + strides
 * within it) before anything is read, so a file that claims more than it holds is
 * refused by arithmetic, not by an allocation.
 */
import type { RandomAccessFile } from '../../host/random-access.js';
import { DTYPES, toFloat32 } from './dtypes.js';
import { readPickle, storageSpan, type PickleTensor, type PickleValue } from './pickle.js';
import { elementCount, type OpenedWeights, type StoredTensor } from './weights-file.js';
import { openZip, type ZipArchive } from './zip.js';

/** A state dict's pickle is tens of kilobytes; this bounds what is read before parsing. */
const MAX_PICKLE_BYTES = 64 * 1024 * 1024;

function isTensor(v: PickleValue | undefined): v is PickleTensor {
  return typeof v === 'object' && v !== null && v.kind === 'tensor';
}

function kindOf(v: PickleValue | undefined): string {
  if (v === null || v === undefined) return 'None';
  if (typeof v !== 'object') return `a ${typeof v === 'number' ? 'number' : typeof v === 'string' ? 'string' : 'boolean'} (${String(v).slice(0, 40)})`;
  return `a ${v.kind}`;
}

/**
 * The tensors of the pickled object: the dict itself, or the dict under a wrapper's
 * 'state_dict' or 'model' key (how training scripts often save a checkpoint).
 */
function stateDict(top: PickleValue): { readonly entries: [string, PickleTensor][]; readonly within?: string } | { readonly problem: string } {
  if (typeof top !== 'object' || top === null || top.kind !== 'dict') return { problem: `its pickle holds ${kindOf(top)}, not a state dict (a dict of tensors)` };
  for (const wrapper of ['state_dict', 'model']) {
    const inner = top.entries.get(wrapper);
    if (typeof inner === 'object' && inner !== null && inner.kind === 'dict') {
      const found = stateDict(inner);
      return 'problem' in found ? found : { entries: found.entries, within: wrapper };
    }
  }
  const entries: [string, PickleTensor][] = [];
  for (const [key, value] of top.entries) {
    if (typeof key !== 'string') return { problem: `its state dict has the key ${key}, not a parameter name` };
    if (!isTensor(value)) return { problem: `its state dict maps '${key}' to ${kindOf(value)}, not a tensor` };
    entries.push([key, value]);
  }
  return { entries };
}

/** The archive folder: every torch.save zip holds exactly one `NAME/data.pkl`. */
function archivePrefix(zip: ZipArchive): string | undefined {
  const pickles = [...zip.entries.keys()].filter((n) => /^[^/]+\/data\.pkl$/.test(n));
  return pickles.length === 1 ? pickles[0]!.slice(0, -'data.pkl'.length) : undefined;
}

export async function openTorchFile(file: RandomAccessFile): Promise<OpenedWeights> {
  const opened = await openZip(file);
  if ('problem' in opened) return opened;
  const zip = opened.zip;
  const prefix = archivePrefix(zip);
  if (prefix === undefined) return { problem: 'it is a zip file, but not one torch.save writes (no single ARCHIVE/data.pkl in it)' };
  const order = zip.entries.get(`${prefix}byteorder`);
  if (order) {
    const read = order.size <= 16 ? await zip.read(order.name) : { problem: 'too long' };
    const text = 'bytes' in read ? new TextDecoder().decode(read.bytes).trim() : '';
    if (text !== 'little') return { problem: `its tensors are stored ${text === 'big' ? 'big-endian' : `in byte order '${text}'`}; ibc reads little-endian files (save them on a little-endian machine)` };
  }
  const pkl = zip.entries.get(`${prefix}data.pkl`)!;
  if (pkl.size > MAX_PICKLE_BYTES) return { problem: `its data.pkl claims ${pkl.size.toLocaleString('en-US')} bytes; a state dict's pickle is far smaller` };
  const pklBytes = await zip.read(pkl.name);
  if ('problem' in pklBytes) return pklBytes;
  const parsed = readPickle(pklBytes.bytes);
  if ('error' in parsed) return { problem: `its pickle is refused: ${parsed.error}` };
  const dict = stateDict(parsed.value);
  if ('problem' in dict) return dict;

  const tensors = new Map<string, StoredTensor>();
  for (const [name, t] of dict.entries) {
    const storage = t.storage;
    const entry = zip.entries.get(`${prefix}data/${storage.key}`);
    const bytesPer = DTYPES[storage.dtype].bytes;
    if (!entry) return { problem: `tensor '${name}' refers to storage '${storage.key}', which the zip does not hold` };
    if (entry.size !== storage.numel * bytesPer) {
      return { problem: `tensor '${name}': its storage '${storage.key}' holds ${entry.size.toLocaleString('en-US')} bytes, but the pickle says ${storage.numel.toLocaleString('en-US')} ${storage.dtype} elements (${(storage.numel * bytesPer).toLocaleString('en-US')} bytes)` };
    }
    const span = storageSpan(t);
    if (span > storage.numel) {
      return { problem: `tensor '${name}' [${t.shape.join(', ')}] reads up to element ${span.toLocaleString('en-US')} of its storage '${storage.key}', which holds ${storage.numel.toLocaleString('en-US')}` };
    }
    const count = elementCount(t.shape);
    const strides = rowMajorIndex(t);
    tensors.set(name, {
      name,
      dtype: storage.dtype,
      shape: t.shape,
      async read() {
        const read = await zip.read(entry.name);
        if ('problem' in read) return read;
        return { values: toFloat32(storage.dtype, read.bytes, count, strides) };
      },
    });
  }
  const within = dict.within ? ` (the '${dict.within}' entry)` : '';
  return { weights: { format: 'torch', description: `a PyTorch state dict (torch.save zip)${within}`, tensors, close: () => file.close() } };
}

/** Element i of the row-major result -> its element index in the storage (offset + strides). */
function rowMajorIndex(t: Pick<PickleTensor, 'offset' | 'shape' | 'stride'>): (i: number) => number {
  const { offset, shape, stride } = t;
  const contiguous = stride.every((s, d) => s === shape.slice(d + 1).reduce((a, b) => a * b, 1) || shape[d] === 1);
  if (contiguous) return (i) => offset + i;
  return (i) => {
    let at = offset;
    let rest = i;
    for (let d = shape.length - 1; d >= 0; d--) {
      const size = shape[d]!;
      at += (rest % size) * stride[d]!;
      rest = Math.floor(rest / size);
    }
    return at;
  };
}
