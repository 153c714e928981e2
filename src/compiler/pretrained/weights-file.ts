/**
 * What every weights reader yields: named tensors with their element type and
 * shape, whose values are read only when asked for. `ibc check` needs the names
 * and shapes (a zip's directory and pickle, a safetensors header), loading needs
 * the values of the tensors the model uses, and nothing else is ever read.
 */
import type { Dtype } from './dtypes.js';

export type ReadResult = { readonly values: Float32Array } | { readonly problem: string };

export interface StoredTensor {
  readonly name: string;
  readonly dtype: Dtype;
  /** In the file's own layout (PyTorch: OIHW convolutions, [out, in] linear weights). */
  readonly shape: readonly number[];
  /** The values as float32, row-major in `shape`; a floating dtype only (the caller checks). */
  read(): Promise<ReadResult>;
}

export type WeightsFormat = 'torch' | 'safetensors' | 'ibc';

export interface WeightsFile {
  readonly format: WeightsFormat;
  /** For messages: "a PyTorch state dict (torch.save zip)", "an ibc checkpoint (RUN/checkpoints/last.ibck, epoch 3)". */
  readonly description: string;
  readonly tensors: ReadonlyMap<string, StoredTensor>;
  close(): void;
}

export type OpenedWeights = { readonly weights: WeightsFile } | { readonly problem: string };

export function elementCount(shape: readonly number[]): number {
  return shape.reduce((a, d) => a * d, 1);
}
