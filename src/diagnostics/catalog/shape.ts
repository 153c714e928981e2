import type { StageCatalog } from './types.js';

/** shape diagnostics: codes IB4xxx. Codes are stable: never renumber or reuse one. */
export const shapeMessages = {
} as const satisfies StageCatalog;
