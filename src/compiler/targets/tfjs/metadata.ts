/**
 * The GraphModel's `userDefinedMetadata` (TF.js: `model.metadata`): what a
 * TF.js user needs to feed the model and read its outputs without ibc.
 */
import { ibcVersion } from '../producer-version.js';
import type { ArtifactInput, ArtifactOrigin } from '../inference-graph.js';

export interface GraphModelMetadataInput {
  readonly specName: string;
  readonly specHash: string;
  /** Per-channel normalisation applied after scaling pixels to [0, 1]; default mean 0, std 1. */
  readonly normalize?: { readonly mean: readonly number[]; readonly std: readonly number[] };
  /** Class names by class index, where the data has them. */
  readonly classNames?: readonly string[];
}

/** The JSON written as userDefinedMetadata. */
export interface GraphModelMetadata extends ArtifactOrigin {
  readonly input: ArtifactInput;
  /** Output name -> what it holds. */
  readonly outputs: Readonly<Record<string, string>>;
  readonly classes: number;
  readonly classNames?: readonly string[];
  /** [h, w] of the attention maps, when the model has attention. */
  readonly attentionShape?: readonly [number, number];
  readonly inference: string;
}

export const INPUT_UNITS = 'pixels scaled to [0, 1], then (x - normalize.mean[c]) / normalize.std[c] per channel';

export function graphModelMetadata(
  m: GraphModelMetadataInput,
  inputName: string,
  inputShape: readonly [number, number, number],
  classes: number,
  outputs: Readonly<Record<string, string>>,
  attentionShape: readonly [number, number] | undefined,
  quantized: boolean,
): GraphModelMetadata {
  const c = inputShape[2];
  return {
    producer: { name: 'ibc', version: ibcVersion() },
    spec: { name: m.specName, hash: m.specHash },
    input: {
      name: inputName,
      layout: 'NHWC',
      shape: [-1, ...inputShape],
      dtype: 'float32',
      units: INPUT_UNITS,
      normalize: { mean: [...(m.normalize?.mean ?? new Array<number>(c).fill(0))], std: [...(m.normalize?.std ?? new Array<number>(c).fill(1))] },
    },
    outputs,
    classes,
    ...(m.classNames ? { classNames: [...m.classNames] } : {}),
    ...(attentionShape ? { attentionShape } : {}),
    inference:
      'deterministic mean (attention a = mu_a, latent z = mu_z); batch norm uses its moving statistics; dropout is off' +
      (quantized ? '; quantization to the learned anchors stays on' : ''),
  };
}
