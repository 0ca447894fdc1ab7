"""Benchmark: training throughput of the real data path against the model alone.

Real path: cached uint8 slices → batched online augmentation (``augment_online``) → ImageNet
normalisation (channels_last) → GoogLeNet + head, forward and backward. Model alone: the same
step on a random tensor already in place. Target: real ≥ 0.9 × model-only. Writes
``bench/results/train_<size>.json``; run it with and without the glibc malloc settings of the
Makefile to compare allocators (the JSON records them).

    python bench/bench_train.py --size 128 --batch 32 --steps 6
"""

from __future__ import annotations

import argparse
import os
import resource
import time
from pathlib import Path

import numpy as np
import torch
from _common import envelope, write_result

from glioma_lib.models import create, param_groups
from glioma_lib.models.device import to_input
from glioma_lib.training.augment import augment_online
from glioma_lib.training.precision import precision_name
from glioma_lib.training.train import train_step

OUT = Path(__file__).parent / "results"


def _rate(step, batch: int, steps: int) -> float:
    step()  # warm-up
    start = time.perf_counter()
    for _ in range(steps):
        step()
    return batch * steps / (time.perf_counter() - start)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--size", type=int, default=128)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--steps", type=int, default=6)
    args = ap.parse_args()
    env = {**envelope(), "backbone": "googlenet"}  # random init, no profile's recipe
    torch.manual_seed(0)
    model = create("googlenet", weights=None).to(memory_format=torch.channels_last).train()
    opt = torch.optim.Adam(param_groups(model))
    rng = np.random.default_rng(0)
    cache = rng.integers(0, 255, (args.batch * 4, args.size, args.size), dtype=np.uint8)
    labels = torch.from_numpy(rng.integers(0, 2, args.batch))
    generator = torch.Generator().manual_seed(0)
    fixed = torch.randn(args.batch, 3, args.size, args.size).contiguous(
        memory_format=torch.channels_last)

    cpu = torch.device("cpu")

    def step(x):  # the library's training step (bf16 autocast where it pays)
        train_step(model, opt, x, labels, cpu)

    def model_only():
        step(fixed)

    def real_path():
        idx = np.sort(rng.choice(len(cache), args.batch, replace=False))
        x = augment_online(torch.from_numpy(cache[idx])[:, None], args.size, generator)
        step(to_input(x, cpu))

    model_rate = _rate(model_only, args.batch, args.steps)
    real_rate = _rate(real_path, args.batch, args.steps)
    result = {
        **env, "size": args.size, "batch": args.batch, "steps": args.steps,
        "precision": precision_name("cpu"),
        "model_only_img_per_s": model_rate, "real_path_img_per_s": real_rate,
        "ratio": real_rate / model_rate, "target_ratio": 0.9,
        "peak_rss_MiB": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "malloc_env": {k: os.environ.get(k) for k in ("MALLOC_MMAP_MAX_",
                                                      "MALLOC_TRIM_THRESHOLD_")},
    }
    tag = "tuned" if os.environ.get("MALLOC_MMAP_MAX_") == "0" else "glibc"
    write_result(OUT / f"train_{args.size}_{tag}.json", result)


if __name__ == "__main__":
    main()
