#!/usr/bin/env bash
# One command from a clean clone: set everything up, then run the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
# The native kernels are part of the product: in CI their absence is a failure, not a skip.
if [ "${CI:-}" = true ] && [ ! -f native/build/Release/ibc_native.node ]; then
  echo "CI: native kernels failed to build" >&2
  exit 1
fi
npx vitest run
