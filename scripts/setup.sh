#!/usr/bin/env bash
# Sets up ibc on a fresh Debian machine: system packages, npm dependencies,
# the native oneDNN kernels and the TypeScript build. Safe to run again.
#
#   IBC_SKIP_APT=1     skip apt-get (packages already installed, or not root)
#   IBC_WITH_TORCH=1   also install python3-torch and python3-torchvision (only for the benchmarks'
#                      side-by-side peers: `npm run bench`, `npm run bench:data`)
#   IBC_WITH_TEST_TOOLS=1  also install what the tests drive for real: chromium (SwiftShader's
#                      WebGPU/WebGL for the GPU and browser routes; libvulkan1 loads it for
#                      Dawn in Node), slurm-wlm and munge (a
#                      one-node Slurm cluster for sweeps), python3-torchvision (torchvision
#                      0.14 models the pretrained-weights tests compare with, and PIL and
#                      torchvision's transforms, the reference the image-folder decoding and
#                      crops are checked against); scripts/test.sh sets it
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n==> %s\n' "$*"; }

if [ "${IBC_SKIP_APT:-0}" != 1 ]; then
  # libdnnl-dev: oneDNN for the native kernels; dataset-fashion-mnist: real data for
  # training tests and the demo; python3-onnx: the official ONNX checker used by tests;
  # fonts-dejavu-core: the font that figures and plots are drawn with.
  packages=(libdnnl-dev dataset-fashion-mnist python3-onnx fonts-dejavu-core)
  [ "${IBC_WITH_TORCH:-0}" = 1 ] && packages+=(python3-torch python3-torchvision libopenblas0-pthread)
  [ "${IBC_WITH_TEST_TOOLS:-0}" = 1 ] && packages+=(chromium libvulkan1 slurm-wlm munge python3-torchvision)
  missing=()
  for p in "${packages[@]}"; do
    dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    step "apt-get install ${missing[*]}"
    SUDO=""
    [ "$(id -u)" = 0 ] || SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
  fi
fi

step "npm ci"
# The lock must be complete and match package.json: check that first (offline, one line
# on failure), then install exactly what it pins. No fallback: a stale lock is a bug to fix.
node scripts/check-lock.mjs
npm ci --no-fund --no-audit

# node-gyp must not download Node headers (no network): use the system's when present.
if [ -z "${npm_config_nodedir:-}" ] && [ -f /usr/include/node/node_version.h ]; then
  export npm_config_nodedir=/usr
fi

step "build native kernels (oneDNN)"
if npm run --silent build:native; then
  echo "native kernels built: native/build/Release/ibc_native.node"
else
  echo "WARNING: the native kernels did not build; ibc will run on TF.js's slow JavaScript backend." >&2
  echo "         Fix: apt-get install libdnnl-dev g++ make python3, then npm run build:native" >&2
fi

step "build TypeScript"
npm run --silent build
