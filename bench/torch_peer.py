"""What the PyTorch peers of `npm run bench` share: FLOP counting, step timing and the JSON line.

Benchmark code only (run with Debian's /usr/bin/python3 and python3-torch); never a runtime
dependency of ibc.
"""
import resource
import time

import torch
import torch.nn as nn


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


def steps_line(spec, batch, steps, ms, flops, flop_digits):
    """The JSON object `ibc bench` prints for a training measurement, for this PyTorch run."""
    return {
        "spec": spec,
        "backend": "pytorch-%s-cpu" % torch.__version__,
        "batch": batch,
        "steps": steps,
        "img_per_s": round(batch / (ms / 1000), 3),
        "ms_per_step": round(ms, 1),
        "gflops_per_s": round(3 * flops * batch / (ms / 1000) / 1e9, 1),
        "threads": torch.get_num_threads(),
        "forward_gflop_per_image": round(flops / 1e9, flop_digits),
        "peak_rss_mb": peak_rss_mb(),
    }
