import type { StageCatalog } from './types.js';

/** semantic diagnostics: codes IB3xxx. Codes are stable: never renumber or reuse one. */
export const semanticMessages = {
} as const satisfies StageCatalog;
