"""Tests of glioma_lib.training.device_data."""

from __future__ import annotations

import numpy as np
import torch

from glioma_lib.models.device import as_batch
from glioma_lib.training.device_data import DeviceSet, fits_on_device


def test_place_on_cpu_is_a_view_not_a_copy():
    images = np.random.default_rng(0).integers(0, 255, (50, 24, 24), dtype=np.uint8)
    s = DeviceSet.place(images, np.arange(50) % 2, "cpu")
    assert s.resident and s.images.shape == (50, 1, 24, 24)
    assert s.images.data_ptr() == images.ctypes.data  # the caller's memory itself
    assert as_batch(images).data_ptr() == images.ctypes.data


def test_batches_cover_the_order_in_sorted_chunks():
    images = np.arange(10, dtype=np.uint8)[:, None, None].repeat(4, 1).repeat(4, 2)
    s = DeviceSet.place(images, np.arange(10), "cpu")
    order = np.random.default_rng(1).permutation(10)
    got = list(s.batches(order, 4))
    assert [len(y) for _, y in got] == [4, 4, 2]
    for k, (x, y) in enumerate(got):
        expected = np.sort(order[4 * k:4 * k + 4])
        assert y.tolist() == expected.tolist() and x[:, 0, 0, 0].tolist() == expected.tolist()


def test_fits_on_device_is_always_true_on_cpu():
    assert fits_on_device(10**12, torch.device("cpu"))
