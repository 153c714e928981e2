import type { StageCatalog } from './types.js';

/** target diagnostics: codes IB5xxx. Codes are stable: never renumber or reuse one. */
export const targetMessages = {
} as const satisfies StageCatalog;
