#!/usr/bin/env bash
# The accuracy study of train.precision bf16 (issue 25; docs/precision.md, README "Training in bf16"):
# each Fashion-MNIST spec (3 epochs on the full data, its own settings) and each cluttered spec
# (2 epochs on the first 20,000 canvases, 5,000 test canvases, as scripts/cluttered-study.sh)
# trained for every seed in fp32 and in bf16, one run after another, fp32 first for each seed.
# Summarise with: node scripts/precision-study-table.mjs OUT_DIR
# Usage: bash scripts/precision-study.sh OUT_DIR [IBC_ROOT]
#   IBC_ROOT: a checkout whose bin/ibc.js to run (default: this one). SEEDS ("1 2 3"), SPECS
#   (default: all six), PRECISIONS ("fp32 bf16"), CLUTTER_LIMIT_TRAIN (20000),
#   CLUTTER_LIMIT_TEST (5000), CLUTTER_EPOCHS (2), FASHION_EPOCHS (the spec's: 3), FASHION_LIMIT_TRAIN
#   (the full training set). A run with a summary.json is skipped, so the
#   study resumes where it stopped; nice -n 10 keeps the machine usable. Long: on an idle 2-core
#   machine about 36 runs of 0.5-3 minutes each.
set -u
out=${1:?usage: precision-study.sh OUT_DIR [IBC_ROOT]}
root=${2:-$(cd "$(dirname "$0")/.." && pwd)}
seeds=${SEEDS:-"1 2 3"}
specs=${SPECS:-"fashion-small-baseline fashion-small-aib fashion-small-aib-qt cluttered-fashion-baseline cluttered-fashion-aib cluttered-fashion-aib-qt"}
precisions=${PRECISIONS:-"fp32 bf16"}
clutter_limit_train=${CLUTTER_LIMIT_TRAIN:-20000}
clutter_limit_test=${CLUTTER_LIMIT_TEST:-5000}
clutter_epochs=${CLUTTER_EPOCHS:-2}
fashion_epochs=${FASHION_EPOCHS:-}
fashion_limit_train=${FASHION_LIMIT_TRAIN:-}
mkdir -p "$out"
for seed in $seeds; do
  for spec in $specs; do
    for precision in $precisions; do
      run="$out/$spec-$precision-seed$seed"
      if [ -f "$run/summary.json" ]; then echo "skip $run (finished)"; continue; fi
      rm -rf "$run"
      sizes=()
      case "$spec" in
        cluttered-*) sizes=(--epochs "$clutter_epochs" --limit-train "$clutter_limit_train" --limit-test "$clutter_limit_test") ;;
        *)
          if [ -n "$fashion_epochs" ]; then sizes+=(--epochs "$fashion_epochs"); fi
          if [ -n "$fashion_limit_train" ]; then sizes+=(--limit-train "$fashion_limit_train"); fi
          ;;
      esac
      start=$(date +%s)
      nice -n 10 node "$root/bin/ibc.js" train "$root/specs/$spec.ibspec" --out "$run" --seed "$seed" \
        --precision "$precision" --attention 0 "${sizes[@]}" > "$run.log" 2>&1
      rc=$?
      echo "$(date -u +%H:%M:%S) $spec $precision seed $seed: exit $rc, $(( $(date +%s) - start )) s" >> "$out/progress.txt"
    done
  done
done
echo "$(date -u +%H:%M:%S) all done" >> "$out/progress.txt"
