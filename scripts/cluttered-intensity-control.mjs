// A trivial control for the cluttered-Fashion localization numbers (README, "Does the attention
// find the object?"): a "map" that is just the input's mean brightness in each cell of the same
// 15x15 grid the attention map uses, scored by the same pointing game and mass-inside metrics.
// If the learned map does no better than this, it finds bright things, not the object.
// Usage (after npm run build): node scripts/cluttered-intensity-control.mjs [LIMIT_TEST]
import { compileSpec } from '../dist/compiler/compile.js';
import { nodeFileSystem } from '../dist/host/file-system.js';
import { loadDataset } from '../dist/runtime/data/index.js';
import { LocalizationTotals, localizeMap, formatLocalization } from '../dist/runtime/training/localization.js';

const limitTest = Number(process.argv[2] ?? 5000);
const compiled = compileSpec(new URL('../specs/cluttered-fashion-aib.ibspec', import.meta.url).pathname, nodeFileSystem);
const spec = compiled.value.spec;
const [h, w] = spec.model.input;
const grid = 15;
const data = await loadDataset(spec.data, { seed: spec.train.seed, input: spec.model.input, classes: spec.model.classes, limitTest, limitTrain: 1 });
const totals = new LocalizationTotals();
const test = data.test;
for (let n = 0; n < test.count; n++) {
  const map = new Float32Array(grid * grid);
  for (let i = 0; i < grid; i++) {
    for (let j = 0; j < grid; j++) {
      // The cell's input rectangle, as localization.ts defines it.
      const y0 = Math.floor((i * h) / grid), y1 = Math.floor(((i + 1) * h) / grid);
      const x0 = Math.floor((j * w) / grid), x1 = Math.floor(((j + 1) * w) / grid);
      let s = 0;
      for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) s += test.images[n * h * w + y * w + x];
      map[i * grid + j] = s / ((y1 - y0) * (x1 - x0) * 255);
    }
  }
  totals.add(localizeMap(map, [grid, grid], Array.from(test.boxes.subarray(n * 4, n * 4 + 4)), [h, w]));
}
for (const line of formatLocalization({ continuous: totals.summary() })) console.log(`input-brightness control, ${line.replace('continuous map', 'brightness map')}`);
