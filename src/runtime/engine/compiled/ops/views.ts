/**
 * The ops that run nothing in a planned step: the model input, whose array the
 * step fills with the batch, and Flatten, whose value is its input's array (an
 * NHWC row is already its flat vector).
 */
import type { StepRule } from '../op.js';

export const inputRule: StepRule<'Input'> = { kind: 'input' };

export const flattenRule: StepRule<'Flatten'> = { kind: 'view' };
