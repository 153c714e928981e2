/**
 * Opens the file a spec's `weights=` names, recognised by its content, never by its
 * extension alone: a `torch.save` zip ("PK"), a safetensors file (a header length
 * that fits the file, then "{"), an ibc checkpoint ("IBCK"), or an ibc run directory
 * (its `checkpoints/last.ibck`). Every read goes through the host's file interface.
 */
import { join } from 'node:path';
import type { FileSystem } from '../../host/file-system.js';
import { CHECKPOINT_MAGIC } from '../../support/checkpoint-format.js';
import { openIbcCheckpoint } from './ibc-file.js';
import { looksLikeSafetensors, openSafetensors } from './safetensors.js';
import { openTorchFile } from './torch-file.js';
import type { OpenedWeights } from './weights-file.js';
import { looksLikeZip } from './zip.js';
import { fileKind } from '../../support/file-kind.js';

export async function openWeights(path: string, fs: FileSystem): Promise<OpenedWeights> {
  let file = path;
  let label = path;
  if (fs.isDirectory?.(path)) {
    file = join(path, 'checkpoints', 'last.ibck');
    label = `${path}, checkpoints/last.ibck`;
    if (!fs.exists(file)) return { problem: 'it is a folder but not an ibc run directory with a checkpoint (no checkpoints/last.ibck in it)' };
  }
  if (!fs.open) return { problem: 'this file system cannot open weights files' };
  const opened = fs.open(file);
  if ('problem' in opened) return opened;
  const f = opened.file;
  const head = f.read(0, Math.min(16, f.size));
  let result: OpenedWeights;
  if (looksLikeZip(head)) result = await openTorchFile(f);
  else if (head.length >= 4 && new TextDecoder().decode(head.subarray(0, 4)) === CHECKPOINT_MAGIC) result = openIbcCheckpoint(f, label);
  else if (looksLikeSafetensors(head, f.size)) result = openSafetensors(f);
  else if (head[0] === 0x80 && head[1] !== undefined && head[1] <= 5) {
    result = { problem: "it is a pickle without a zip around it: torch.save's legacy format (torch < 1.6), which ibc does not read; load it in PyTorch and save it again with torch.save, or as safetensors" };
  } else {
    result = { problem: `it is not a weights file ibc reads (${fileKind(head)}): expected a torch.save zip, a safetensors file, an ibc checkpoint or run directory` };
  }
  if ('problem' in result) f.close();
  return result;
}
