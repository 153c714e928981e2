import type { shapeMessages } from '../catalog/shape.js';
import type { Explanation } from './types.js';

/** Explanations of the shape diagnostics (IB4xxx). */
export const shapeExplanations = {
  layerShape: {
    explanation: 'Shape inference follows the input through every layer. This layer cannot take the shape it receives; the message shows the arithmetic (for example a pooling window larger than the map).',
    example: 'input 8x8x1 ... maxpool 2\nmaxpool 2\nmaxpool 2\nmaxpool 2   # 8 -> 4 -> 2 -> 1 -> cannot pool 1x1 by 2',
    fix: 'Remove a downsampling layer, use padding, or a larger input.',
  },
  insertionNotMap: {
    explanation: 'Spatial attention needs a feature map [h, w, c] at the insertion point, but that stage already yields a flat vector.',
    example: 'attention at=classifier_stage { ... }   # after flatten',
    fix: 'Insert attention at an earlier stage that still has a spatial map.',
  },
  attentionHeadChannels: {
    explanation: 'The attention head computes one map value per position, so it must end with one channel.',
    example: 'head {\n  conv 8 kernel=3\n}',
    fix: 'End the head with a conv of 1 filter: conv 1 kernel=3.',
  },
  mapSizeMismatch: {
    explanation: "`map HxW` states the attention map size you expect; shape inference found another size at the insertion point. The error underlines the map, and a note points at the stride or pooling that changed the size.",
    example: 'stage s1 {\n  conv 16 kernel=3 stride=2\n}\nattention at=s1 {\n  map 14x14   # the input is 14x14, the stride halves it to 7x7\n}',
    fix: 'Correct the map size, move the insertion point, or remove the stride.',
  },
  decoderOutput: {
    explanation: 'The decoder must output one logit per class.',
    example: 'classes 10 ... decoder {\n  linear 5\n}',
    fix: 'End the decoder with linear 10.',
  },
  classifierOutput: {
    explanation: 'The classifier must output one logit per class.',
    example: 'classes 10 ... classifier {\n  linear 5\n}',
    fix: 'End the classifier with linear 10.',
  },
  encoderNotFlat: {
    explanation: 'The latent layer is a linear layer on a vector; the encoder head leaves a spatial map.',
    example: 'encoder_head {\n  conv 32 kernel=3\n}',
    fix: "End encoder_head with 'flatten' or a global pooling layer.",
  },
  missingClassifierOrAttention: {
    explanation: 'Without attention and without a classifier, the backbone output is taken as the logits, and it is not a vector of class scores.',
    example: 'model {\n  backbone custom { stage s1 { conv 8 kernel=3 } }\n}',
    fix: 'Add a classifier block (global_avgpool, then linear 10), or an attention module.',
  },
  resourceTensorTooLarge: {
    explanation: 'One tensor of the model (a parameter or an activation) would hold more values than a tensor can (the limit of typed arrays and of the backends), so no backend could allocate it.',
    example: 'linear 100000000 after a large flatten.',
    fix: 'Make the layer narrower, or downsample before flattening.',
  },
  resourceMemory: {
    explanation: 'ibc estimates the memory training needs (parameters, optimizer state, activations of a batch) and compares it with what this machine has. This run would not fit, so it is refused before it allocates anything.',
    example: 'ibc train specs/cifar10-wrn28-10-aib.ibspec on a machine with 4 GB free.',
    fix: 'Use a smaller batch, fewer samples, a smaller model, or a machine with more memory.',
  },
  resourceMemoryWarning: {
    explanation: 'ibc check estimates the memory training needs and warns when this machine does not have it: the spec is fine, but ibc train would refuse to start here (IB4102).',
    example: 'ibc check specs/ on a small machine: the WRN-28-10 specs warn.',
    fix: 'Nothing, if the spec is meant for a larger machine; otherwise a smaller batch or model.',
  },
  resourceSlowStep: {
    explanation: 'One training step needs so many floating-point operations that even a fast CPU takes minutes per step: usually a mistake in input size or width.',
    example: 'input 1024x1024x3 with a VGG-16 backbone and batch 64.',
    fix: 'Check the input size and the batch; the step cost is in the message.',
  },
} as const satisfies Record<keyof typeof shapeMessages, Explanation>;
