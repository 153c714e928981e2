/** The interpreter runs whole built models: the small reference architectures, deterministic and sampled. */
import { describe, expect, it } from 'vitest';
import { buildModel } from '../../../src/compiler/network/build-model.js';
import { initParams } from '../../../src/runtime/engine/init-params.js';
import { runReference } from '../../../src/compiler/reference/interpret.js';
import { Random } from '../../../src/support/random.js';
import { REFERENCE_ARCHITECTURES } from '../../fixtures/reference-architectures.js';

const input = (batch: number) => Random.fromSeed(4).fillNormal(new Float32Array(batch * 28 * 28), 0, 1);

describe('reference interpreter on fashion-small-aib-qt', () => {
  const ir = buildModel(REFERENCE_ARCHITECTURES['fashion-small-aib-qt']!).value!;
  const params = initParams(ir, 1);

  it('eval with samples 0 is deterministic, finite, and taps have their shapes', () => {
    const a = runReference(ir, params, input(3), 3, { training: false, samples: 0 });
    const b = runReference(ir, params, input(3), 3, { training: false, samples: 0 });
    expect(a.logits).toEqual(b.logits);
    expect(a.logits.length).toBe(30);
    expect(a.logits.every(Number.isFinite)).toBe(true);
    expect(a.values.get(ir.taps.attentionMean!)!.length).toBe(3 * 7 * 7);
    // Without sampling the quantized map is the nearest anchor of mu_a.
    const mu = a.values.get(ir.taps.attentionMean!)!;
    const q = a.values.get(ir.taps.attentionQuantized!)!;
    const anchors = params.get('attention/quantize/anchors')!;
    for (let i = 0; i < mu.length; i++) {
      const best = Math.min(...Array.from(anchors, (v) => Math.abs(v - mu[i]!)));
      expect(Math.abs(q[i]! - mu[i]!)).toBeCloseTo(best, 6);
    }
  });

  it('sampling n = 2 runs n*n latents per example and averages them back to the batch', () => {
    const r = runReference(ir, params, input(3), 3, { training: false, samples: 2, noise: Random.fromSeed(9) });
    expect(r.values.get(ir.taps.attentionSample!)!.length).toBe(2 * 3 * 49);
    expect(r.values.get('latent/sample')!.length).toBe(2 * 2 * 3 * 64);
    expect(r.logits.length).toBe(30);
    expect(r.logits.every(Number.isFinite)).toBe(true);
  });

  it('one example in a batch gives the same logits as alone (eval mode)', () => {
    const batch = runReference(ir, params, input(3), 3, { training: false, samples: 0 }).logits;
    const alone = runReference(ir, params, input(3).slice(0, 784), 1, { training: false, samples: 0 }).logits;
    expect(Array.from(alone)).toEqual(Array.from(batch.slice(0, 10)));
  });
});
