import type { ModelIR } from '../../src/compiler/ir/ir.js';

/** Elements of trainable-or-frozen parameters (PyTorch's parameters()) and of BN buffers, counted separately. */
export function countParams(ir: ModelIR): { params: number; buffers: number } {
  let params = 0;
  let buffers = 0;
  for (const p of ir.params) {
    const n = p.shape.reduce((a, d) => a * d, 1);
    if (p.group === 'buffers') buffers += n;
    else params += n;
  }
  return { params, buffers };
}
