#!/usr/bin/env bash
# One command from a clean clone: set up, then train the small Fashion-MNIST specs
# (plain baseline, IB attention, IB attention with quantization) on real data and
# print their test accuracies. Runs go to runs/demo-<spec>/ (replaced each time).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
mkdir -p runs
for spec in fashion-small-baseline fashion-small-aib fashion-small-aib-qt; do
  printf '\n==> ibc train specs/%s.ibspec\n' "$spec"
  rm -rf "runs/demo-$spec"
  node bin/ibc.js train "specs/$spec.ibspec" --out "runs/demo-$spec" "$@"
done
printf '\n%-24s %9s %9s %10s %9s  %s\n' spec test_top1 test_top5 img/s seconds backend
for spec in fashion-small-baseline fashion-small-aib fashion-small-aib-qt; do
  node -e '
    const s = require(process.argv[1]);
    const pct = (x) => (100 * x).toFixed(2) + "%";
    console.log(process.argv[2].padEnd(24), pct(s.test_top1).padStart(9), pct(s.test_top5).padStart(9),
      s.images_per_second.toFixed(0).padStart(10), s.seconds.toFixed(1).padStart(9), "", s.backend);
  ' "$PWD/runs/demo-$spec/summary.json" "$spec"
done
echo
echo "Attention grids: runs/demo-fashion-small-aib/attention/grid.png, runs/demo-fashion-small-aib-qt/attention/grid.png"
