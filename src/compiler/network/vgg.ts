/**
 * VGG-16 backbones, written as stages of the spec's own layer vocabulary.
 *
 * vgg16_bn is the CIFAR variant of docs/method.md §8.1 (after the "learn to pay
 * attention" VGG): conv-bn-relu blocks with bias-free 3x3 convs; block1 and
 * block2 keep 32x32 (no pooling), block3..block5 end with a 2x2 max-pool, and
 * `tail` is two (conv-bn-relu, pool) blocks down to 1x1 followed by a 1x1 conv
 * with bias and a ReLU.
 *
 * vgg16 is torchvision's VGG-16 without batch norm (reference §3, CUB):
 * conv3x3 with bias + ReLU; block1..block4 end with a max-pool; block5 stops
 * after conv5_3's ReLU (14x14x512 at 224x224), as the reference's trunk does.
 * vgg16_bn variant=imagenet is torchvision's vgg16_bn in the same form (conv with
 * bias, BN, ReLU), so that its pretrained weights load (compiler/pretrained/).
 */
import type { Span } from '../../diagnostics/diagnostic.js';
import type { LayerSpec, StageSpec, VggBackbone } from '../spec/resolved-spec.js';
import { bnL, convL, maxpoolL, reluL, stageL } from './layer-specs.js';

const WIDTHS: readonly (readonly number[])[] = [[64, 64], [128, 128], [256, 256, 256], [512, 512, 512], [512, 512, 512]];

export function vggStages(spec: VggBackbone): StageSpec[] {
  const o = spec.origin;
  if (spec.kind === 'vgg16') return torchVgg16(o, false);
  return spec.variant === 'imagenet' ? torchVgg16(o, true) : cifarVggBn(o);
}

function convBnRelu(filters: number, origin: Span | undefined): LayerSpec[] {
  return [convL(filters, 3, { padding: 1, bias: false, ...(origin ? { origin } : {}) }), bnL(origin), reluL(origin)];
}

function cifarVggBn(o: Span | undefined): StageSpec[] {
  const stages = WIDTHS.map((widths, i) => {
    const layers = widths.flatMap((w) => convBnRelu(w, o));
    if (i >= 2) layers.push(maxpoolL(2, 2, 'valid', o));
    return stageL(`block${i + 1}`, layers, o);
  });
  const tail: LayerSpec[] = [
    ...convBnRelu(512, o),
    maxpoolL(2, 2, 'valid', o),
    ...convBnRelu(512, o),
    maxpoolL(2, 2, 'valid', o),
    convL(512, 1, { padding: 0, bias: true, ...(o ? { origin: o } : {}) }),
    reluL(o),
  ];
  return [...stages, stageL('tail', tail, o)];
}

/** torchvision's VGG-16 features, with batch norm after every convolution when `bn` (vgg16_bn variant=imagenet). */
function torchVgg16(o: Span | undefined, bn: boolean): StageSpec[] {
  return WIDTHS.map((widths, i) => {
    const layers: LayerSpec[] = widths.flatMap((w) => [convL(w, 3, { padding: 1, bias: true, ...(o ? { origin: o } : {}) }), ...(bn ? [bnL(o)] : []), reluL(o)]);
    if (i < 4) layers.push(maxpoolL(2, 2, 'valid', o));
    return stageL(`block${i + 1}`, layers, o);
  });
}
