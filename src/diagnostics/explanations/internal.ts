import type { internalMessages } from '../catalog/internal.js';
import type { Explanation } from './types.js';

/** Explanations of internal errors (IB9xxx). */
export const internalExplanations = {
  internalError: {
    explanation: 'A stage of ibc crashed on this input. That is a bug in ibc, never a mistake in your spec, even if the spec is unusual.',
    example: 'Any input that makes the compiler throw.',
    fix: 'Report it with the spec and the command that triggered it. Meanwhile, changing the construct named in the message may avoid it.',
  },
} as const satisfies Record<keyof typeof internalMessages, Explanation>;
