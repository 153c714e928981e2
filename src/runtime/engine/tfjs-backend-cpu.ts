/**
 * TF.js's CPU backend, loaded with `require` (which registers it, as an
 * import would) for the reason tfjs-core.ts gives: an ES `import` of this
 * 464 KB CommonJS bundle scans it for export names first, ~50 ms.
 */
import { createRequire } from 'node:module';
import type * as TfBackendCpu from '@tensorflow/tfjs-backend-cpu';

const cpu = createRequire(import.meta.url)('@tensorflow/tfjs-backend-cpu') as typeof TfBackendCpu;

export const { MathBackendCPU } = cpu;
export type MathBackendCPU = TfBackendCpu.MathBackendCPU;
