#!/usr/bin/env bash
# The cluttered Fashion-MNIST study of issue 15 (README "Does the attention find the object?"):
# trains baseline, aib and aib-qt for each seed, one after another, and evaluates each run with
# `ibc eval` into RUN.eval.txt (accuracy and, for the attention models, localization against
# chance). Summarise with: node scripts/cluttered-study-table.mjs OUT_DIR
# Usage: bash scripts/cluttered-study.sh OUT_DIR [IBC_ROOT]
#   IBC_ROOT: a checkout whose bin/ibc.js to run (default: this one). Sizes: LIMIT_TRAIN (20000),
#   LIMIT_TEST (5000), EPOCHS (2), SEEDS ("1 2 3"); nice -n 10 keeps the machine usable.
set -u
out=${1:?usage: cluttered-study.sh OUT_DIR [IBC_ROOT]}
root=${2:-$(cd "$(dirname "$0")/.." && pwd)}
limit_train=${LIMIT_TRAIN:-20000}
limit_test=${LIMIT_TEST:-5000}
epochs=${EPOCHS:-2}
seeds=${SEEDS:-"1 2 3"}
mkdir -p "$out"
for seed in $seeds; do
  for variant in baseline aib aib-qt; do
    run="$out/$variant-seed$seed"
    if [ -f "$run/summary.json" ]; then echo "skip $run (finished)"; continue; fi
    rm -rf "$run"
    start=$(date +%s)
    nice -n 10 node "$root/bin/ibc.js" train "$root/specs/cluttered-fashion-$variant.ibspec" --out "$run" \
      --seed "$seed" --epochs "$epochs" --limit-train "$limit_train" --limit-test "$limit_test" --attention 0 \
      > "$out/$variant-seed$seed.log" 2>&1
    rc=$?
    [ $rc -eq 0 ] && nice -n 10 node "$root/bin/ibc.js" eval "$run" > "$run.eval.txt" 2>&1
    echo "$(date -u +%H:%M:%S) $variant seed $seed: exit $rc, $(( $(date +%s) - start )) s; $(cat "$run/summary.json" 2>/dev/null | tr -d '\n' | cut -c1-300)" >> "$out/progress.txt"
  done
done
echo "$(date -u +%H:%M:%S) all done" >> "$out/progress.txt"
