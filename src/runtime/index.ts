/**
 * The package's `ibc/runtime` entry: load an exported ibc TF.js model and
 * predict with it. See `loadModel` for the input units and outputs.
 */
export { loadModel } from './engine/load-model.js';
export type { LoadedModel, LoadModelOptions, PredictOptions, Prediction } from './engine/load-model.js';
export type { TfjsArtifactMeta } from '../compiler/targets/ibc-runtime/artifact.js';
export { RunError, isRunError } from '../support/errors.js';
