/** The data API the trainer uses. */
export type { Dataset, Split, LoadOptions } from './dataset.js';
export { loadDataset, splitValidation } from './load-dataset.js';
export { makeBatches, batchCount, type Batch } from './batches.js';
export { normalizeValues, normalizeTable, denormalizeToByte, type Normalize } from './normalize.js';
export { drawTransform, type ExampleTransform } from './augment.js';
