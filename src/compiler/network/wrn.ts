/**
 * Pre-activation Wide ResNet WRN-d-k for CIFAR (docs/method.md §8.2):
 * conv1 = conv3x3(3 -> 16, no bias); group1..group3 = n = (d - 4) / 6 pre-activation
 * basic blocks of 16k, 32k, 64k channels (strides 1, 2, 2; dropout inside each
 * block; 1x1 shortcut when the shape changes); tail = BN, ReLU, global average pool.
 */
import type { LayerSpec, StageSpec, WideResNetBackbone } from '../spec/resolved-spec.js';
import { bnL, convL, gapL, reluL, stageL } from './layer-specs.js';

/** Blocks per group, or undefined when depth is not 6n + 4. */
export function wrnBlocks(depth: number): number | undefined {
  const n = (depth - 4) / 6;
  return Number.isInteger(n) && n >= 1 ? n : undefined;
}

export function wrnStages(spec: WideResNetBackbone): StageSpec[] | undefined {
  const n = wrnBlocks(spec.depth);
  if (n === undefined) return undefined;
  const o = spec.origin;
  const withOrigin = o ? { origin: o } : {};
  const group = (filters: number, stride: number): LayerSpec[] =>
    Array.from({ length: n }, (_, i): LayerSpec => ({
      type: 'basic_block',
      filters,
      stride: i === 0 ? stride : 1,
      preact: true,
      dropout: spec.dropout,
      ...withOrigin,
    }));
  return [
    stageL('conv1', [convL(16, 3, { padding: 1, bias: false, ...withOrigin })], o),
    stageL('group1', group(16 * spec.widen, 1), o),
    stageL('group2', group(32 * spec.widen, 2), o),
    stageL('group3', group(64 * spec.widen, 2), o),
    stageL('tail', [bnL(o), reluL(o), gapL(o)], o),
  ];
}
