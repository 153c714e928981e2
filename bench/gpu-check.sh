#!/usr/bin/env bash
# One-command GPU check for a machine with an NVIDIA GPU and no network:
#
#   bash bench/gpu-check.sh
#
# 1. reports which GPU routes exist here, one JSON line each: the NVIDIA driver,
#    a Vulkan driver for Dawn (the `webgpu` npm package, ibc's --backend webgpu),
#    and libtensorflow for @tensorflow/tfjs-node-gpu (--backend tensorflow-gpu);
# 2. runs the WebGPU training parity test (a few steps of the Fashion-MNIST specs,
#    WebGPU against the CPU backend, and a seeded rerun) on the hardware adapter;
# 3. prints the VGG-16-aib training bench (specs/cifar10-vgg16-aib.ibspec) on WebGPU
#    at batch 32 and 128 as JSON lines (and on tensorflow-gpu when it is installed).
#
# Needs a built checkout (npm run build; the script builds if dist/ is missing) and
# nothing from the network. Every step has its own time limit: the whole check ends
# within 5 minutes. Exit status: 0 when the parity test passed and both WebGPU bench
# lines were printed, 1 otherwise.
set -uo pipefail
cd "$(dirname "$0")/.."

status=0
json() { printf '%s\n' "$1"; }
note() { printf '# %s\n' "$*" >&2; }

# --- 1. routes ------------------------------------------------------------------
if command -v nvidia-smi >/dev/null 2>&1; then
  gpus=$(timeout 20 nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>/dev/null | paste -sd ';' -)
  json "{\"route\":\"nvidia-driver\",\"available\":true,\"detail\":\"${gpus//\"/\'}\"}"
else
  json '{"route":"nvidia-driver","available":false,"detail":"nvidia-smi not found"}'
fi

vulkan_loader=false
if ldconfig -p 2>/dev/null | grep -q 'libvulkan\.so\.1'; then vulkan_loader=true; fi
icds=()
for dir in /etc/vulkan/icd.d /usr/share/vulkan/icd.d /usr/local/share/vulkan/icd.d; do
  for f in "$dir"/*.json; do [ -e "$f" ] && icds+=("$f"); done
done
hardware_icds=()
for f in "${icds[@]}"; do
  case "$f" in *swiftshader*|*lvp_icd*) ;; *) hardware_icds+=("$f") ;; esac
done
if [ "$vulkan_loader" = true ] && [ ${#hardware_icds[@]} -gt 0 ]; then
  json "{\"route\":\"webgpu (Dawn over Vulkan)\",\"available\":true,\"detail\":\"drivers: ${hardware_icds[*]}\"}"
else
  why="libvulkan.so.1: $vulkan_loader; hardware Vulkan drivers: ${#hardware_icds[@]} (NVIDIA's is nvidia_icd.json, from the driver package or libnvidia-gl)"
  json "{\"route\":\"webgpu (Dawn over Vulkan)\",\"available\":false,\"detail\":\"$why\"}"
fi

tfjs_gpu=false
if timeout 60 node -e "import('@tensorflow/tfjs-node-gpu').then(()=>process.exit(0),()=>process.exit(1))" >/dev/null 2>&1; then
  tfjs_gpu=true
  json '{"route":"tensorflow-gpu (@tensorflow/tfjs-node-gpu, libtensorflow)","available":true,"detail":"@tensorflow/tfjs-node-gpu loads"}'
else
  lib=$(ldconfig -p 2>/dev/null | grep -o 'libtensorflow\.so[^ ]*' | head -1)
  json "{\"route\":\"tensorflow-gpu (@tensorflow/tfjs-node-gpu, libtensorflow)\",\"available\":false,\"detail\":\"@tensorflow/tfjs-node-gpu is not installed (it downloads libtensorflow when installed); system libtensorflow: ${lib:-none}\"}"
fi

# --- 2. build, parity test on the hardware adapter -------------------------------
if [ ! -f dist/cli/main.js ]; then
  note "building (npm run build)"
  timeout 120 npm run --silent build || { note "build failed"; exit 1; }
fi

note "WebGPU training parity on the hardware adapter (time limit 120 s)"
if IBC_WEBGPU_HARDWARE=1 CI=true timeout 120 npx vitest run test/runtime/engine/backends/webgpu/training.test.ts >&2; then
  json '{"check":"webgpu training parity (hardware adapter)","passed":true}'
else
  json '{"check":"webgpu training parity (hardware adapter)","passed":false}'
  status=1
fi

# --- 3. VGG-16-aib bench -------------------------------------------------------
for batch in 32 128; do
  note "VGG-16-aib bench on webgpu at batch $batch (time limit 45 s)"
  line=$(timeout 45 node bin/ibc.js bench specs/cifar10-vgg16-aib.ibspec --backend webgpu --batch "$batch" --steps 5 --warmup 2 --json | tail -1)
  if [ -n "$line" ]; then json "$line"; else json "{\"bench\":\"vgg16-aib webgpu batch $batch\",\"failed\":true}"; status=1; fi
done
if [ "$tfjs_gpu" = true ]; then
  note "VGG-16-aib bench on tensorflow-gpu at batch 32 (time limit 30 s)"
  timeout 30 node bin/ibc.js bench specs/cifar10-vgg16-aib.ibspec --backend tensorflow-gpu --batch 32 --steps 5 --warmup 2 --json | tail -1
fi
exit $status
