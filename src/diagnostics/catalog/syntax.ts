import type { StageCatalog } from './types.js';

/** syntax diagnostics: codes IB1xxx. Codes are stable: never renumber or reuse one. */
export const syntaxMessages = {
} as const satisfies StageCatalog;
