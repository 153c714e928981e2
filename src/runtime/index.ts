/**
 * The package's `ibc/runtime` entry: load an exported ibc TF.js model and
 * predict with it. See `loadModel` for the input units and outputs.
 */
export { loadModel } from './model/load-model.js';
export type { LoadedModel, LoadModelOptions, PredictOptions, Prediction } from './model/load-model.js';
export type { TfjsArtifactMeta } from '../compiler/targets/tfjs/artifact.js';
export { RunError, isRunError } from '../support/errors.js';
