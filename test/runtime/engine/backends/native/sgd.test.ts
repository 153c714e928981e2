import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { HAVE_NATIVE, NATIVE_REASON, compare, randomArray } from '../../../../fixtures/native.js';
import { SGD_STEP } from '../../../../../src/runtime/engine/backends/native/ops.js';

const skipNote = HAVE_NATIVE ? '' : ` (skipped: ${NATIVE_REASON})`;

describe.skipIf(!HAVE_NATIVE)(`native SGD step (IbcSgdStep) vs composed ops on the CPU${skipNote}`, () => {
  const settings = [
    { momentum: 0.9, weightDecay: 5e-4, nesterov: false },
    { momentum: 0.9, weightDecay: 0, nesterov: true },
    { momentum: 0, weightDecay: 1e-2, nesterov: false },
  ];
  for (const s of settings) {
    it(`momentum ${s.momentum}, weight decay ${s.weightDecay}, nesterov ${s.nesterov}`, async () => {
      const n = 300001, lr = 0.05;
      const p = randomArray(n, 1), g = randomArray(n, 2), b = randomArray(n, 3);
      const r = await compare(() => {
        const param = tf.tensor1d(p), grad = tf.tensor1d(g), buf = tf.tensor1d(b);
        if (tf.getKernel(SGD_STEP, tf.getBackend())) {
          return tf.engine().runKernel(SGD_STEP, s.momentum ? { param, grad, buf } : { param, grad }, { lr, ...s }) as tf.Tensor[];
        }
        let d = tf.add(grad, tf.mul(param, s.weightDecay));
        const out: tf.Tensor[] = [];
        if (s.momentum) {
          const next = tf.add(tf.mul(buf, s.momentum), d);
          d = s.nesterov ? tf.add(d, tf.mul(next, s.momentum)) : next;
          out.push(next);
        }
        return [tf.sub(param, tf.mul(d, lr)), ...out];
      });
      expect(r.error).toBeLessThan(1e-5);
    });
  }
});
