"""Augmentation: the paper's offline 6× expansion and its online per-batch transforms.

Offline (train split only): original, horizontal flip, and both rotated by +5° and −5°.
Online (every batch): translation up to 15 px (at 224 px; scaled with the image size),
horizontal reflection p = 0.5, rotation in [−4°, 4°], shear within 20°. Everything works on
uint8 tensors with :mod:`torchvision.transforms.v2`; online parameters are drawn per image.
"""

from __future__ import annotations

import numpy as np
import torch
from torchvision.transforms import v2
from torchvision.transforms.v2 import functional as TF

OFFLINE_ANGLES = (5.0, -5.0)
OFFLINE_NAMES = ("original", "flip", "original +5°", "original −5°", "flip +5°", "flip −5°")


def offline_variants(images: torch.Tensor | np.ndarray) -> torch.Tensor:
    """The 6 offline variants: ``(N, [C,] H, W)`` → ``(N, 6, [C,] H, W)`` (OFFLINE_NAMES order)."""
    x = torch.as_tensor(np.asarray(images))
    single = x.ndim == 3
    x = x[:, None] if single else x  # (N, C, H, W)
    flipped = TF.horizontal_flip(x)
    out = [x, flipped]
    out += [TF.rotate(x, a, interpolation=v2.InterpolationMode.BILINEAR) for a in OFFLINE_ANGLES]
    out += [TF.rotate(flipped, a, interpolation=v2.InterpolationMode.BILINEAR)
            for a in OFFLINE_ANGLES]
    return torch.cat(out, dim=1) if single else torch.stack(out, dim=1)


def expand_offline(images: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Offline 6× expansion of a training set: ``(6N, [C,] H, W)`` images, ``(6N,)`` labels."""
    variants = offline_variants(images).numpy()
    n, k = variants.shape[:2]
    return variants.reshape(n * k, *variants.shape[2:]), np.repeat(np.asarray(labels), k)


def online_transform(image_size: int, translate_px_at_224: float = 15.0) -> v2.Transform:
    """The paper's online augmentation for one ``(C, H, W)`` uint8 image."""
    frac = translate_px_at_224 / 224.0
    return v2.Compose([
        v2.RandomAffine(degrees=4.0, translate=(frac, frac), shear=(-20.0, 20.0, -20.0, 20.0),
                        interpolation=v2.InterpolationMode.BILINEAR),
        v2.RandomHorizontalFlip(p=0.5),
    ])


def augment_batch(batch: torch.Tensor, transform: v2.Transform) -> torch.Tensor:
    """Apply ``transform`` to each image of a ``(B, C, H, W)`` batch (own parameters each)."""
    return torch.stack([transform(img) for img in batch])


def offline_examples(arrays: dict[str, np.ndarray], row: int) -> np.ndarray:
    """The 6 offline variants of one slice row for each sequence: ``(n_seq, 6, H, W)``.

    Args:
        arrays: sequence → ``(N, H, W)`` uint8 slices (``SliceSet.array``).
        row: the slice row to show.

    Example:
        >>> offline_examples({s: data.slices.array(s) for s in ("t1", "flair")}, row=0)
    """
    return np.stack([offline_variants(np.asarray(a)[[row]])[0].numpy() for a in arrays.values()])


def online_examples(arrays: dict[str, np.ndarray], row: int, image_size: int, n: int = 8,
                    seed: int = 0) -> np.ndarray:
    """``n`` independent online-augmentation draws of one slice row per sequence:
    ``(n_seq, n, H, W)`` (seeded).

    Args:
        arrays: sequence → ``(N, H, W)`` uint8 slices.
        row: the slice row to show.
        image_size: the profile's image size (scales the translation).
        n: draws per sequence.
        seed: torch seed of the draws.

    Example:
        >>> online_examples({"flair": data.slices.array("flair")}, 0, image_size=96)
    """
    torch.manual_seed(seed)
    transform = online_transform(image_size)
    out = []
    for a in arrays.values():
        batch = torch.from_numpy(np.repeat(np.asarray(a)[[row]], n, 0))[:, None]
        out.append(augment_batch(batch, transform)[:, 0].numpy())
    return np.stack(out)
