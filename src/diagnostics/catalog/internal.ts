import type { StageCatalog } from './types.js';

/** Internal errors: a bug in ibc, never the user's fault. Codes IB9xxx. */
export const internalMessages = {
  internalError: { code: 'IB9001', severity: 'error', template: 'internal error in {stage}: {detail}. This is a bug in ibc; please report it with the spec that triggered it' },
} as const satisfies StageCatalog;
