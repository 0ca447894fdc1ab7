"""Tests of glioma_lib.training.augment."""

from __future__ import annotations

import numpy as np
import pytest
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


def test_online_params_stay_in_the_papers_ranges():
    from glioma_lib.training.augment import draw_online_params, max_translation_px

    g = torch.Generator().manual_seed(0)
    p = draw_online_params(20_000, 224, g)
    assert p.angle.abs().max() <= 4.0 and p.angle.abs().max() > 3.9
    assert p.shear_x.abs().max() <= 20.0 and p.shear_y.abs().max() > 19.9
    assert p.tx.abs().max() == 15 and p.ty.abs().max() == 15  # whole pixels, up to 15 at 224
    assert torch.equal(p.tx, p.tx.round())
    assert 0.48 < p.flip.float().mean() < 0.52
    assert max_translation_px(96) == pytest.approx(15 * 96 / 224)
    small = draw_online_params(20_000, 96, g)
    assert small.tx.abs().max() == round(15 * 96 / 224)


def _params(n, **values):
    from glioma_lib.training.augment import OnlineParams

    zero = torch.zeros(n)
    fields = {k: values.get(k, zero) for k in ("angle", "tx", "ty", "shear_x", "shear_y")}
    return OnlineParams(**fields, flip=values.get("flip", torch.zeros(n, dtype=torch.bool)))


def test_online_flip_is_a_left_right_mirror_and_identity_is_exact():
    from glioma_lib.training.augment import apply_online

    x = torch.from_numpy(_images(4, 32))[:, None]
    assert torch.equal(apply_online(x, _params(4)), x)
    flipped = apply_online(x, _params(4, flip=torch.ones(4, dtype=torch.bool)))
    assert torch.equal(flipped, x.flip(-1))  # columns reversed: the patient's left ↔ right
    shifted = apply_online(x, _params(4, tx=torch.full((4,), 3.0)))
    assert torch.equal(shifted[..., 3:], x[..., :-3])  # positive tx moves the image right
    assert not shifted[..., :3].any()


def test_batched_online_matches_torchvision_per_image():
    from glioma_lib.training.augment import apply_online, draw_online_params

    x = torch.from_numpy(_images(12, 64))[:, None].clone()
    x[..., :8, :] = 0
    x[..., -8:, :] = 0
    x[..., :8] = 0
    x[..., -8:] = 0  # a zero border, as around a brain: the fill convention does not matter
    p = draw_online_params(12, 64, torch.Generator().manual_seed(3))
    out = apply_online(x, p)
    assert p.flip.any() and not p.flip.all()
    for i in range(12):
        ref = TF.affine(x[i], angle=float(p.angle[i]), translate=[int(p.tx[i]), int(p.ty[i])],
                        scale=1.0, shear=[float(p.shear_x[i]), float(p.shear_y[i])],
                        interpolation=TF.InterpolationMode.BILINEAR, fill=0)
        ref = TF.horizontal_flip(ref) if p.flip[i] else ref
        diff = (ref.int() - out[i].int()).abs()
        assert diff.max() <= 1 and (diff > 0).float().mean() < 0.01  # rounding at .5 only


def test_augment_online_is_seeded_per_image_and_keeps_shape():
    from glioma_lib.training.augment import augment_online

    x = torch.zeros(16, 1, 48, 48, dtype=torch.uint8)
    x[:, :, 16:32, 16:32] = 255
    a = augment_online(x, 48, torch.Generator().manual_seed(5))
    b = augment_online(x, 48, torch.Generator().manual_seed(5))
    c = augment_online(x, 48, torch.Generator().manual_seed(6))
    assert a.shape == x.shape and a.dtype == torch.uint8
    assert torch.equal(a, b) and not torch.equal(a, c)
    assert len({bytes(o.numpy()) for o in a}) > 12  # own parameters per image


def test_expand_offline_holds_the_expanded_set_once():
    import tracemalloc

    x = np.random.default_rng(0).integers(0, 255, (600, 64, 64), dtype=np.uint8)
    tracemalloc.start()
    tracemalloc.reset_peak()
    images, _ = expand_offline(x, np.zeros(600, int), chunk=64)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert images.nbytes == 6 * x.nbytes
    assert peak < 1.3 * images.nbytes  # one expanded copy, plus one chunk's variants


def test_sampling_grid_equals_affine_grid():
    from glioma_lib.training.augment import affine_theta, draw_online_params, sampling_grid

    theta = affine_theta(draw_online_params(5, 40, torch.Generator().manual_seed(2)), 40, 30)
    expected = torch.nn.functional.affine_grid(theta, [5, 1, 40, 30], align_corners=False)
    assert torch.allclose(sampling_grid(theta, 40, 30), expected, atol=1e-5)
