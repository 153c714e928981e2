/**
 * ImageNet ResNets in torchvision's layout: stem = conv7x7/2 (no bias) + BN + ReLU +
 * maxpool 3/2 (padding 1); layer1..layer4 of basic blocks (resnet18/34) or
 * bottlenecks (resnet50, wrn50_2 with the inner width doubled), strides 1, 2, 2, 2;
 * tail = global average pool. The classifier (fc) is not part of the backbone.
 */
import type { LayerSpec, ResNetBackbone, StageSpec } from '../spec/resolved-spec.js';
import { bnL, convL, gapL, maxpoolL, reluL, stageL } from './layer-specs.js';

const BLOCKS: Record<ResNetBackbone['kind'], readonly [number, number, number, number]> = {
  resnet18: [2, 2, 2, 2],
  resnet34: [3, 4, 6, 3],
  resnet50: [3, 4, 6, 3],
  wrn50_2: [3, 4, 6, 3],
};

export function resnetStages(spec: ResNetBackbone): StageSpec[] {
  const o = spec.origin;
  const withOrigin = o ? { origin: o } : {};
  const basic = spec.kind === 'resnet18' || spec.kind === 'resnet34';
  const layer = (planes: number, blocks: number, stride: number): LayerSpec[] =>
    Array.from({ length: blocks }, (_, i): LayerSpec => {
      const s = i === 0 ? stride : 1;
      return basic
        ? { type: 'basic_block', filters: planes, stride: s, preact: false, dropout: 0, ...withOrigin }
        : { type: 'bottleneck', filters: planes, stride: s, expansion: 4, widthFactor: spec.kind === 'wrn50_2' ? 2 : 1, ...withOrigin };
    });
  const counts = BLOCKS[spec.kind];
  return [
    stageL('stem', [convL(64, 7, { stride: 2, padding: 3, bias: false, ...withOrigin }), bnL(o), reluL(o), maxpoolL(3, 2, 1, o)], o),
    stageL('layer1', layer(64, counts[0], 1), o),
    stageL('layer2', layer(128, counts[1], 2), o),
    stageL('layer3', layer(256, counts[2], 2), o),
    stageL('layer4', layer(512, counts[3], 2), o),
    stageL('tail', [gapL(o)], o),
  ];
}
