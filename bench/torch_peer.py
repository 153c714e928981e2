"""What the PyTorch peers of `npm run bench` share: FLOP counting, step timing and the JSON line.

Benchmark code only (run with Debian's /usr/bin/python3 and python3-torch); never a runtime
dependency of ibc.
"""
import contextlib
import resource
import time

import torch
import torch.nn as nn

# PyTorch's CPU training configurations the suites compare against (its performance guide's
# options for convolutional models): the default (float32, NCHW), float32 with channels-last
# tensors, and autocast to bfloat16 with channels-last tensors (its fast path on CPUs with
# AVX512_BF16 or AMX). `npm run bench` times every one and rates ibc against the best.
CONFIGS = ("fp32", "fp32-channels-last", "bf16-channels-last")


def add_config_argument(parser):
    parser.add_argument("--config", choices=CONFIGS, default="fp32",
                        help="fp32 (default, NCHW), fp32-channels-last, or bf16-channels-last (autocast bfloat16)")


def channels_last(config):
    return config != "fp32"


def prepare(model, x, config):
    """The model and a 4-D input in the configuration's memory format."""
    if channels_last(config):
        model = model.to(memory_format=torch.channels_last)
        x = x.contiguous(memory_format=torch.channels_last)
    return model, x


def autocast(config):
    """The context a forward pass (and its loss) runs in: CPU autocast to bfloat16, or nothing.
    Master weights and the optimizer stay float32, as in PyTorch's mixed-precision recipe."""
    if config == "bf16-channels-last":
        return torch.autocast(device_type="cpu", dtype=torch.bfloat16)
    return contextlib.nullcontext()


def peak_rss_mb():
    """The process's resident-memory high-water mark (ru_maxrss is in KB on Linux)."""
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def forward_flops(model, run_one_image):
    """2 * multiply-accumulates of every convolution and linear layer in one image's forward pass
    (`run_one_image()` runs it), as ibc counts them from the IR."""
    total = [0]

    def conv_hook(m, _inp, out):
        total[0] += 2 * out.numel() // out.shape[0] * (m.in_channels // m.groups) * m.kernel_size[0] * m.kernel_size[1]

    def linear_hook(m, _inp, out):
        total[0] += 2 * m.in_features * m.out_features

    hooks = [m.register_forward_hook(conv_hook) for m in model.modules() if isinstance(m, nn.Conv2d)]
    hooks += [m.register_forward_hook(linear_hook) for m in model.modules() if isinstance(m, nn.Linear)]
    with torch.no_grad():
        run_one_image()
    for h in hooks:
        h.remove()
    return total[0]


def time_steps(step, warmup, steps):
    """Milliseconds per call of `step()` over `steps` calls, after `warmup` untimed ones."""
    for _ in range(warmup):
        step()
    start = time.perf_counter()
    for _ in range(steps):
        step()
    return 1000 * (time.perf_counter() - start) / steps


def steps_line(spec, batch, steps, ms, flops, flop_digits, config="fp32"):
    """The JSON object `ibc bench` prints for a training measurement, for this PyTorch run."""
    return {
        "spec": spec,
        "backend": "pytorch-%s-cpu" % torch.__version__,
        "config": config,
        "batch": batch,
        "steps": steps,
        "img_per_s": round(batch / (ms / 1000), 3),
        "ms_per_step": round(ms, 1),
        "gflops_per_s": round(3 * flops * batch / (ms / 1000) / 1e9, 1),
        "threads": torch.get_num_threads(),
        "forward_gflop_per_image": round(flops / 1e9, flop_digits),
        "peak_rss_mb": peak_rss_mb(),
    }
