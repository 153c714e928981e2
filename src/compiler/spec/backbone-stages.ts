/**
 * The stage names (insertion points) of each backbone, as docs/design.md lists
 * them. The model builder defines the stages themselves; this table lets the
 * spec checks name the valid insertion points without building a model.
 */
import type { BackboneSpec } from './resolved-spec.js';

const BUILT_IN_STAGES: Readonly<Record<Exclude<BackboneSpec['kind'], 'custom'>, readonly string[]>> = {
  vgg16_bn: ['block1', 'block2', 'block3', 'block4', 'block5', 'tail'],
  vgg16: ['block1', 'block2', 'block3', 'block4', 'block5'],
  wrn: ['conv1', 'group1', 'group2', 'group3', 'tail'],
  resnet18: ['stem', 'layer1', 'layer2', 'layer3', 'layer4', 'tail'],
  resnet34: ['stem', 'layer1', 'layer2', 'layer3', 'layer4', 'tail'],
  resnet50: ['stem', 'layer1', 'layer2', 'layer3', 'layer4', 'tail'],
  wrn50_2: ['stem', 'layer1', 'layer2', 'layer3', 'layer4', 'tail'],
};

export function stageNames(backbone: BackboneSpec): readonly string[] {
  return backbone.kind === 'custom' ? backbone.stages.map((s) => s.name) : BUILT_IN_STAGES[backbone.kind];
}
