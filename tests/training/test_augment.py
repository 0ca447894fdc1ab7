"""Tests of glioma_lib.training.augment."""

from __future__ import annotations

import numpy as np
import torch
from torchvision.transforms.v2 import functional as TF

from glioma_lib.training.augment import (
    OFFLINE_NAMES,
    augment_batch,
    expand_offline,
    offline_variants,
    online_transform,
)


def _images(n=3, size=32):
    rng = np.random.default_rng(0)
    return rng.integers(0, 255, (n, size, size), dtype=np.uint8)


def test_offline_six_variants_and_flip_equals_flipped_array():
    x = _images()
    v = offline_variants(x)
    assert v.shape == (3, 6, 32, 32) and len(OFFLINE_NAMES) == 6
    assert np.array_equal(v[:, 0].numpy(), x)
    assert np.array_equal(v[:, 1].numpy(), x[:, :, ::-1])


def test_offline_rotations_are_plus_minus_five_degrees():
    x = _images()
    v = offline_variants(x)
    t = torch.from_numpy(x)[:, None]
    for k, angle in ((2, 5.0), (3, -5.0)):
        expected = TF.rotate(t, angle, interpolation=TF.InterpolationMode.BILINEAR)[:, 0]
        assert torch.equal(v[:, k], expected)
        wrong = TF.rotate(t, -angle, interpolation=TF.InterpolationMode.BILINEAR)[:, 0]
        assert not torch.equal(v[:, k], wrong)


def test_expand_offline_counts():
    x, y = _images(5), np.array([0, 1, 1, 0, 1])
    ex, ey = expand_offline(x, y)
    assert ex.shape == (30, 32, 32) and ey.tolist() == [0] * 6 + [1] * 12 + [0] * 6 + [1] * 6


def test_online_transform_per_image_parameters_within_range():
    torch.manual_seed(0)
    square = torch.zeros(16, 1, 64, 64, dtype=torch.uint8)
    square[:, :, 24:40, 24:40] = 255
    out = augment_batch(square, online_transform(64))
    assert out.shape == square.shape and out.dtype == torch.uint8
    assert len({bytes(o.numpy()) for o in out}) > 8  # own parameters per image
    transform = online_transform(224)
    affine = transform.transforms[0]
    assert affine.degrees == [-4.0, 4.0]
    assert np.allclose(affine.translate, (15 / 224, 15 / 224))
    assert list(affine.shear) == [-20.0, 20.0, -20.0, 20.0]
    assert transform.transforms[1].p == 0.5
    # A translation never moves the square by more than 15 px-equivalents (+ shear/rotation)
    centres = [np.argwhere(o[0].numpy() > 127).mean(0) for o in out]
    assert all(np.abs(c - 31.5).max() < 64 * 15 / 224 + 6 for c in centres)


def test_offline_variants_of_fused_images_keep_channels_together():
    x = np.random.default_rng(0).integers(0, 255, (2, 3, 16, 16), dtype=np.uint8)
    v = offline_variants(x)
    assert v.shape == (2, 6, 3, 16, 16)
    np.testing.assert_array_equal(v[:, 1].numpy(), x[..., ::-1])  # horizontal flip
    images, labels = expand_offline(x, np.array([0, 1]))
    assert images.shape == (12, 3, 16, 16) and labels.tolist() == [0] * 6 + [1] * 6


def test_example_grids_for_chapter_2():
    from glioma_lib.training.augment import offline_examples, online_examples

    arrays = {"t1": np.random.default_rng(0).integers(0, 255, (3, 16, 16), dtype=np.uint8),
              "t2": np.zeros((3, 16, 16), np.uint8)}
    offline = offline_examples(arrays, 1)
    assert offline.shape == (2, 6, 16, 16) and np.array_equal(offline[0, 0], arrays["t1"][1])
    assert np.array_equal(offline[0, 1], arrays["t1"][1][:, ::-1])
    online = online_examples(arrays, 1, image_size=16, n=4, seed=3)
    assert online.shape == (2, 4, 16, 16)
    assert np.array_equal(online, online_examples(arrays, 1, image_size=16, n=4, seed=3))
    assert not np.array_equal(online[0, 0], online[0, 1])  # each draw its own parameters
