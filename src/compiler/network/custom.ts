/** A custom backbone is already a list of stages in the layer vocabulary. */
import type { CustomBackbone, StageSpec } from '../spec/resolved-spec.js';

export function customStages(spec: CustomBackbone): readonly StageSpec[] {
  return spec.stages;
}
