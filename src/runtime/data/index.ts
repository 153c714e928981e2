/** The data API the trainer uses. */
export type { Dataset, DataSplit, Split, StoredSplit, LoadOptions, ImageLoadOptions, DataProgress, SkippedFile } from './dataset.js';
export { isStored } from './dataset.js';
export { loadDataset, splitValidation } from './load-dataset.js';
export { makeBatches, batchCount, type Batch } from './batches.js';
export { trainingBatches, evaluationBatches, evaluationImages, type TrainingBatchOptions, type EvaluationBatchOptions } from './batch-source.js';
export { normalizeValues, normalizeTable, denormalizeToByte, type Normalize } from './normalize.js';
export { drawTransform, type ExampleTransform } from './augment.js';
export { resolveCacheDir } from './images/cache.js';
export { defaultMemoryBudget, formatBytes } from './images/load-folder.js';
export { parseMemorySize } from './images/memory-size.js';
