"""Benchmark: the batched online augmentation against the per-image torchvision path, and the
default profile's training step with the library's whole data path against the model alone.

1. Data path alone at 224 px, batch 128 (the `paper` batch): cached uint8 slices → online
   augmentation → normalised float input. Per image: torchvision v2 ``RandomAffine`` +
   ``RandomHorizontalFlip`` image by image (the path before batching). Batched:
   :func:`glioma_lib.training.augment.augment_online`, one ``grid_sample`` per batch.
2. Training at the default profile's settings (96 px, batch 64, GoogLeNet, its arithmetic):
   the training loop's data path (:class:`~glioma_lib.training.device_data.DeviceSet` batches
   + batched augmentation + normalisation) against the same step on a tensor already in
   place. Target: ≥ 0.95.

Rounds of the compared paths alternate in one process and each rate is the best of
``--repeats`` rounds, so a busy moment of the machine does not decide a ratio. Writes
``bench/results/augment.json``.

    python bench/bench_augment.py
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from _common import envelope, write_result

from glioma_lib.config import get_profile
from glioma_lib.models import create, param_groups
from glioma_lib.models.device import to_input
from glioma_lib.training.augment import augment_batch, augment_online, online_transform
from glioma_lib.training.device_data import DeviceSet
from glioma_lib.training.precision import autocast, precision_name

OUT = Path(__file__).parent / "results"


def _best(fns: dict, images: int, repeats: int) -> dict[str, float]:
    """Images/s of each function: best of ``repeats`` alternating rounds (one warm-up each)."""
    for fn in fns.values():
        fn()
    best = dict.fromkeys(fns, 0.0)
    for _ in range(repeats):
        for name, fn in fns.items():
            start = time.perf_counter()
            fn()
            best[name] = max(best[name], images / (time.perf_counter() - start))
    return best


def data_path(size: int, batch: int, batches: int, repeats: int) -> dict:
    """Per-image torchvision vs batched augmentation + normalisation, images/s."""
    rng = np.random.default_rng(0)
    cache = torch.from_numpy(rng.integers(0, 255, (batch * 4, 1, size, size), dtype=np.uint8))
    transform = online_transform(size)
    generator = torch.Generator().manual_seed(0)
    cpu = torch.device("cpu")
    orders = [np.sort(rng.choice(len(cache), batch, replace=False)) for _ in range(batches)]

    def per_image():
        for idx in orders:
            to_input(augment_batch(cache[idx], transform), cpu)

    def batched():
        for idx in orders:
            to_input(augment_online(cache[idx], size, generator), cpu)

    rates = _best({"per_image": per_image, "batched": batched}, batch * batches, repeats)
    return {"size": size, "batch": batch, "per_image_img_s": rates["per_image"],
            "batched_img_s": rates["batched"],
            "batched_over_per_image": rates["batched"] / rates["per_image"]}


def training(steps: int, repeats: int) -> dict:
    """The default profile's training step: library data path vs model alone, images/s."""
    p = get_profile("default")
    size, batch = p.image_size, p.batch_size
    cpu = torch.device("cpu")
    torch.manual_seed(0)
    model = create(p.backbone, weights=None).to(memory_format=torch.channels_last).train()
    opt = torch.optim.Adam(param_groups(model))
    rng = np.random.default_rng(0)
    data = DeviceSet.place(rng.integers(0, 255, (batch * 8, size, size), dtype=np.uint8),
                           rng.integers(0, 2, batch * 8), cpu)
    generator = torch.Generator().manual_seed(0)
    fixed = torch.rand(batch, 3, size, size).contiguous(memory_format=torch.channels_last)
    labels = data.labels[:batch]

    def step(x, y):
        opt.zero_grad(set_to_none=True)
        with autocast(cpu, p.precision, p.backbone):
            loss = F.cross_entropy(model(x).float(), y)
        loss.backward()
        opt.step()

    def model_alone():
        for _ in range(steps):
            step(fixed, labels)

    def library_path():
        order = rng.permutation(len(data))[:batch * steps]
        for x, y in data.batches(order, batch):
            step(to_input(augment_online(x, size, generator), cpu), y)

    rates = _best({"model_alone": model_alone, "data_path": library_path}, batch * steps,
                  repeats)
    return {"size": size, "batch": batch, "backbone": p.backbone,
            "precision": precision_name(cpu, p.precision, p.backbone),
            "model_alone_img_s": rates["model_alone"], "data_path_img_s": rates["data_path"],
            "ratio": rates["data_path"] / rates["model_alone"], "target_ratio": 0.95}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--batches", type=int, default=6)
    ap.add_argument("--steps", type=int, default=6)
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    result = {**envelope(get_profile("default")), "threads": torch.get_num_threads(),
              "data_path_224": data_path(224, 128, args.batches, args.repeats),
              "train_default": training(args.steps, args.repeats)}
    result["batched_over_per_image_224"] = result["data_path_224"]["batched_over_per_image"]
    result["train_default_ratio"] = result["train_default"]["ratio"]
    write_result(OUT / "augment.json", result)


if __name__ == "__main__":
    main()
