"""This machine's training speed, measured in a few seconds: the probe behind the book's first
time estimate (:func:`glioma_lib.reporting.budget.expected_seconds` scales a reference build
by it) and the benches' rates."""

from __future__ import annotations

import time

import numpy as np

#: The step-time quantile a probe's rate is read at (the fast quarter: a passing disturbance
#: slows a few steps, a slower machine all of them).
PROBE_QUANTILE = 0.25


def probe_rate(backbone: str, image_size: int, batch_size: int, precision: str = "auto",
               seconds: float = 3.0, warmup_s: float = 1.5) -> float:
    """This machine's training images/s for ``backbone`` (random-init, random uint8 images
    through the training loop's augmentation and input path, the profile's batch and image
    size): the probe behind :func:`expected_seconds`.

    A cold process is slow for its first steps (thread pools, oneDNN kernels created per
    shape, the CPU's clock), and a machine busy for a moment (just after a test suite, say)
    slows a few steps more: estimates made from such steps were 2.9× and 1.3× too slow where
    the chapters themselves were not. So the first ``warmup_s`` seconds (at least 3 steps) are
    not measured, and the rate is that of the fast quarter of the following steps (the step
    time at the :data:`PROBE_QUANTILE` quantile, over ``seconds`` and at least 5 steps): a
    machine that is slower throughout is slower in every step, a passing disturbance in a
    few.

    Args:
        backbone: a registry name (the profile's main backbone).
        image_size: image side in pixels.
        batch_size: images per step.
        precision: a profile's ``precision``.
        seconds: how long to measure.
        warmup_s: how long to run before measuring.

    Example:
        >>> probe_rate("efficientnet_lite0", 96, 64)  # ~150 on a 2-core Zen 4 in fp32
    """
    import torch

    from ..models.device import to_input
    from ..models.registry import create, param_groups
    from .augment import augment_online
    from .train import train_step

    cpu = torch.device("cpu")
    torch.manual_seed(0)
    model = create(backbone, weights=None).to(memory_format=torch.channels_last).train()
    optimizer = torch.optim.Adam(param_groups(model))
    images = torch.randint(0, 256, (batch_size, 1, image_size, image_size), dtype=torch.uint8)
    labels = torch.arange(batch_size) % 2
    generator = torch.Generator().manual_seed(0)

    def step() -> float:
        start = time.perf_counter()
        x = to_input(augment_online(images, image_size, generator), cpu)
        train_step(model, optimizer, x, labels, cpu, precision, backbone)
        return time.perf_counter() - start

    start, steps = time.perf_counter(), 0
    while steps < 3 or time.perf_counter() - start < warmup_s:
        step()
        steps += 1
    times: list[float] = []
    start = time.perf_counter()
    while len(times) < 5 or time.perf_counter() - start < seconds:
        times.append(step())
    return batch_size / float(np.quantile(times, PROBE_QUANTILE))
