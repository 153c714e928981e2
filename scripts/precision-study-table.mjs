// Summarises a precision-study.sh output folder: per spec, test top-1 in fp32 and in bf16 over
// the seeds (mean, sample standard deviation, each seed), the difference of the means and the
// seed noise it is measured against, and for the cluttered attention specs the localization
// metrics (pointing game, mass inside the box; continuous and quantized maps) the same way.
// "Within seed noise": |bf16 mean - fp32 mean| <= 2 x the standard error of that difference,
// sqrt(sd_fp32^2 / n + sd_bf16^2 / n).
// Usage: node scripts/precision-study-table.mjs OUT_DIR
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const out = process.argv[2];
if (!out) {
  console.error('usage: node scripts/precision-study-table.mjs OUT_DIR');
  process.exit(2);
}
const runs = readdirSync(out)
  .map((d) => /^(.+)-(fp32|bf16)-seed(\d+)$/.exec(d))
  .filter((m) => m && existsSync(join(out, m[0], 'summary.json')))
  .map((m) => ({ spec: m[1], precision: m[2], seed: Number(m[3]), summary: JSON.parse(readFileSync(join(out, m[0], 'summary.json'), 'utf8')) }));
const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
const sd = (xs) => (xs.length > 1 ? Math.sqrt(xs.reduce((a, x) => a + (x - mean(xs)) ** 2, 0) / (xs.length - 1)) : NaN);
const pct = (x) => (100 * x).toFixed(2);

/** One table row: a metric in both precisions over the seeds both have. */
function row(label, pick, select) {
  const mine = runs.filter(select);
  const seeds = [...new Set(mine.map((r) => r.seed))].filter((s) => ['fp32', 'bf16'].every((p) => mine.some((r) => r.seed === s && r.precision === p && pick(r) !== undefined))).sort();
  if (seeds.length === 0) return undefined;
  const values = (p) => seeds.map((s) => pick(mine.find((r) => r.seed === s && r.precision === p)));
  const a = values('fp32'), b = values('bf16');
  const diff = mean(b) - mean(a);
  const noise = Math.sqrt((sd(a) ** 2 + sd(b) ** 2) / seeds.length);
  const verdict = Number.isNaN(noise) ? 'one seed' : Math.abs(diff) <= 2 * noise ? 'yes' : 'NO';
  return `| ${label} | ${seeds.join(', ')} | ${pct(mean(a))} ± ${pct(sd(a))} (${a.map(pct).join(', ')}) | ${pct(mean(b))} ± ${pct(sd(b))} (${b.map(pct).join(', ')}) | ${diff >= 0 ? '+' : ''}${pct(diff)} | ${pct(2 * noise)} | ${verdict} |`;
}

console.log('| spec, metric (%) | seeds | fp32: mean ± sd (per seed) | bf16: mean ± sd (per seed) | bf16 - fp32 | 2 x s.e. | within seed noise |');
console.log('|---|---|---|---|---|---|---|');
const specs = [...new Set(runs.map((r) => r.spec))].sort();
for (const spec of specs) {
  const lines = [row(`${spec}, test top-1`, (r) => r.summary.test_top1, (r) => r.spec === spec)];
  for (const map of ['continuous', 'quantized']) {
    lines.push(row(`${spec}, ${map} map, pointing game`, (r) => r.summary.localization?.[map]?.pointing, (r) => r.spec === spec));
    lines.push(row(`${spec}, ${map} map, mass inside box`, (r) => r.summary.localization?.[map]?.mass_inside, (r) => r.spec === spec));
  }
  for (const line of lines) if (line) console.log(line);
}
console.log('');
console.log('| spec | precision | train img/s (mean over seeds) | seconds per run (mean) |');
console.log('|---|---|---|---|');
for (const spec of specs) {
  for (const precision of ['fp32', 'bf16']) {
    const s = runs.filter((r) => r.spec === spec && r.precision === precision).map((r) => r.summary);
    if (s.length === 0) continue;
    console.log(`| ${spec} | ${precision} | ${Math.round(mean(s.map((x) => x.images_per_second)))} | ${mean(s.map((x) => x.seconds)).toFixed(1)} |`);
  }
}
