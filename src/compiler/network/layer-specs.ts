/**
 * Small constructors for LayerSpec values, used by the built-in backbones so
 * that they are written in the same vocabulary a spec uses and built by the
 * same code (layers.ts). Defaults follow PyTorch (the reference code).
 */
import type { Span } from '../../diagnostics/diagnostic.js';
import type { LayerSpec, Padding, StageSpec } from '../spec/resolved-spec.js';

export function convL(filters: number, kernel: number, options: { stride?: number; padding?: Padding; bias?: boolean; origin?: Span } = {}): LayerSpec {
  const stride = options.stride ?? 1;
  return {
    type: 'conv',
    filters,
    kernel: [kernel, kernel],
    stride: [stride, stride],
    padding: options.padding ?? Math.floor(kernel / 2),
    dilation: [1, 1],
    bias: options.bias ?? true,
    ...(options.origin ? { origin: options.origin } : {}),
  };
}

export function bnL(origin?: Span): LayerSpec {
  return { type: 'batchnorm', epsilon: 1e-5, momentum: 0.1, ...(origin ? { origin } : {}) };
}

export function reluL(origin?: Span): LayerSpec {
  return { type: 'relu', ...(origin ? { origin } : {}) };
}

export function maxpoolL(size: number, stride: number, padding: Padding = 'valid', origin?: Span): LayerSpec {
  return { type: 'maxpool', size: [size, size], stride: [stride, stride], padding, ...(origin ? { origin } : {}) };
}

export function gapL(origin?: Span): LayerSpec {
  return { type: 'global_avgpool', ...(origin ? { origin } : {}) };
}

export function stageL(name: string, layers: readonly LayerSpec[], origin?: Span): StageSpec {
  return { name, layers, ...(origin ? { origin } : {}) };
}
