// Where do the attention maps of trained cluttered-Fashion runs point, and do they just follow
// brightness? For each run: where the map's maximum falls (inside the object box, on clutter,
// on empty background; tied maxima split evenly), and the mean per-image Pearson correlation
// between mu_a and the input's mean brightness in each map cell. Deterministic maps (a = mu_a),
// the run's test set (its --limit-test). Usage (after npm run build):
//   node scripts/cluttered-map-analysis.mjs RUN_DIR...
import * as tf from '@tensorflow/tfjs-core';
import { specHash } from '../dist/compiler/spec/serialize.js';
import { selectBackend } from '../dist/runtime/engine/backends/select.js';
import { openRun, modelFromState, loadRunData } from '../dist/runtime/runs/open-run.js';
import { evalBatches } from '../dist/runtime/training/loop.js';

await selectBackend('auto');
const pct = (x) => `${(100 * x).toFixed(1)}%`;
for (const runDir of process.argv.slice(2)) {
  const opened = openRun(runDir, 'last', specHash);
  const data = await loadRunData(opened);
  const model = modelFromState(opened);
  const [h, w] = opened.spec.model.input;
  const test = data.test;
  let offset = 0;
  const where = { object: 0, clutter: 0, empty: 0 };
  let corr = 0;
  let corrCount = 0;
  for (const batch of evalBatches(test, opened.spec, opened.spec.train.evalBatchSize)) {
    const out = model.forward(batch.images, { training: false, samples: 0 });
    const [, mh, mw] = out.taps.attentionMean.shape;
    const maps = await out.taps.attentionMean.data();
    tf.dispose([out.logits, ...Object.values(out.taps)]);
    for (let b = 0; b < batch.labels.length; b++) {
      const n = offset + b;
      const [y0, x0, y1, x1] = test.boxes.subarray(n * 4, n * 4 + 4);
      const map = maps.subarray(b * mh * mw, (b + 1) * mh * mw);
      const bright = new Float32Array(mh * mw);
      for (let i = 0; i < mh; i++) {
        for (let j = 0; j < mw; j++) {
          const ya = Math.floor((i * h) / mh), yb = Math.floor(((i + 1) * h) / mh);
          const xa = Math.floor((j * w) / mw), xb = Math.floor(((j + 1) * w) / mw);
          let s = 0;
          for (let y = ya; y < yb; y++) for (let x = xa; x < xb; x++) s += test.images[n * h * w + y * w + x];
          bright[i * mw + j] = s / ((yb - ya) * (xb - xa) * 255);
        }
      }
      let max = -Infinity;
      for (const v of map) if (v > max) max = v;
      const tied = [];
      map.forEach((v, k) => v === max && tied.push(k));
      for (const k of tied) {
        const cy = (Math.floor(k / mw) + 0.5) * (h / mh);
        const cx = ((k % mw) + 0.5) * (w / mw);
        const kind = cy >= y0 && cy < y1 && cx >= x0 && cx < x1 ? 'object' : bright[k] > 0.02 ? 'clutter' : 'empty';
        where[kind] += 1 / tied.length;
      }
      const ma = map.reduce((a, v) => a + v, 0) / map.length;
      const mb = bright.reduce((a, v) => a + v, 0) / bright.length;
      let sab = 0, saa = 0, sbb = 0;
      for (let k = 0; k < map.length; k++) {
        sab += (map[k] - ma) * (bright[k] - mb);
        saa += (map[k] - ma) ** 2;
        sbb += (bright[k] - mb) ** 2;
      }
      if (saa > 0 && sbb > 0) {
        corr += sab / Math.sqrt(saa * sbb);
        corrCount++;
      }
    }
    offset += batch.labels.length;
  }
  model.dispose();
  const total = offset;
  console.log(
    `${runDir}: map maximum on the object ${pct(where.object / total)}, on clutter ${pct(where.clutter / total)}, on empty background ${pct(where.empty / total)}; ` +
      `mean correlation of mu_a with cell brightness r = ${(corr / Math.max(1, corrCount)).toFixed(3)} over ${total} test images`,
  );
}
