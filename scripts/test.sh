#!/usr/bin/env bash
# One command from a clean clone: set everything up, then run the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
IBC_WITH_TEST_TOOLS=1 bash scripts/setup.sh
# The native kernels are part of the product: in CI their absence is a failure, not a skip.
if [ "${CI:-}" = true ] && [ ! -f native/build/Release/ibc_native.node ]; then
  echo "CI: native kernels failed to build" >&2
  exit 1
fi
# vitest strips types without checking them: type-check src/ and test/ first, and stop on any error.
npm run typecheck
report="$(mktemp -t ibc-vitest-XXXXXX.json)"
npx vitest run --reporter=default --reporter=json --outputFile="$report"
# A plain closing line that any CI log reader understands.
node -e '
  const r = require(process.argv[1]);
  console.log(`tests: ${r.numPassedTests} passed, ${r.numFailedTests} failed, ${r.numPendingTests + r.numTodoTests} skipped`);
' "$report"
rm -f "$report"
