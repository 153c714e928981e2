import type { StageCatalog } from './types.js';

/** schema diagnostics: codes IB2xxx. Codes are stable: never renumber or reuse one. */
export const schemaMessages = {
} as const satisfies StageCatalog;
