import type { StageCatalog } from './types.js';

/** runtime diagnostics: codes IB6xxx. Codes are stable: never renumber or reuse one. */
export const runtimeMessages = {
} as const satisfies StageCatalog;
