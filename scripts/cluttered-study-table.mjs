// Summarises a cluttered-study.sh output folder as the README's tables: per variant, test top-1
// over the seeds (mean, standard deviation, each seed), and the localization lines `ibc eval`
// printed (RUN.eval.txt), averaged over the seeds.
// Usage: node scripts/cluttered-study-table.mjs OUT_DIR
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const out = process.argv[2];
if (!out) {
  console.error('usage: node scripts/cluttered-study-table.mjs OUT_DIR');
  process.exit(2);
}
const runs = readdirSync(out).filter((d) => /-seed\d+$/.test(d) && existsSync(join(out, d, 'summary.json')));
const variants = ['baseline', 'baseline-mlp', 'aib', 'aib-qt'];
const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
const sd = (xs) => (xs.length > 1 ? Math.sqrt(xs.reduce((a, x) => a + (x - mean(xs)) ** 2, 0) / (xs.length - 1)) : NaN);
/** ' ± sd' with a unit, or nothing for a single seed. */
const pm = (text) => (text.includes('NaN') ? '' : ` ± ${text}`);
const pct = (x) => (100 * x).toFixed(1);

console.log('| spec | seeds | test top-1, mean ± sd | per seed | best val top-1 (mean) | train img/s (mean) |');
console.log('|---|---|---|---|---|---|');
for (const v of variants) {
  const mine = runs.filter((d) => d.replace(/-seed\d+$/, '') === v).sort();
  if (mine.length === 0) continue;
  const s = mine.map((d) => JSON.parse(readFileSync(join(out, d, 'summary.json'), 'utf8')));
  const top1 = s.map((x) => x.test_top1);
  console.log(
    `| cluttered-fashion-${v} | ${mine.map((d) => d.match(/seed(\d+)/)[1]).join(', ')} | ${pct(mean(top1))}%${pm(pct(sd(top1)))} | ${top1.map(pct).join(', ')} | ` +
      `${pct(mean(s.map((x) => x.best_val_top1 ?? NaN)))}% | ${Math.round(mean(s.map((x) => x.images_per_second)))} |`,
  );
}

// "test localization, continuous map: pointing game 41.0% (chance 14.0%), mass inside box 19.5% (chance 14.0%), mean map value 0.878 inside the box / 0.586 outside, over 300 images"
const pattern = /test localization, (\w+) map: pointing game ([\d.]+)% \(chance ([\d.]+)%\), mass inside box ([\d.]+)% \(chance ([\d.]+)%\), mean map value ([\d.-]+) inside the box \/ ([\d.-]+) outside, over (\d+) images/;
console.log('');
console.log('| spec, map | seeds | pointing game (chance) | mass inside box (chance) | mean map inside / outside box | images |');
console.log('|---|---|---|---|---|---|');
for (const v of variants.filter((x) => x.startsWith('aib'))) {
  const rows = {};
  for (const d of runs.filter((r) => r.replace(/-seed\d+$/, '') === v).sort()) {
    // cluttered-study.sh writes RUN.eval.txt; the copies in docs/results keep it as RUN/eval.txt.
    const file = existsSync(join(out, `${d}.eval.txt`)) ? join(out, `${d}.eval.txt`) : join(out, d, 'eval.txt');
    if (!existsSync(file)) continue;
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      const m = pattern.exec(line);
      if (!m) continue;
      (rows[m[1]] ??= []).push({ seed: d.match(/seed(\d+)/)[1], values: m.slice(2).map(Number) });
    }
  }
  for (const [map, list] of Object.entries(rows)) {
    const col = (i) => mean(list.map((r) => r.values[i]));
    const sds = (i) => sd(list.map((r) => r.values[i]));
    console.log(
      `| cluttered-fashion-${v}, ${map} | ${list.map((r) => r.seed).join(', ')} | ${col(0).toFixed(1)}%${pm(sds(0).toFixed(1))} (${col(1).toFixed(1)}%) | ` +
        `${col(2).toFixed(1)}%${pm(sds(2).toFixed(1))} (${col(3).toFixed(1)}%) | ${col(4).toFixed(3)} / ${col(5).toFixed(3)} | ${list[0].values[6]} |`,
    );
  }
}
