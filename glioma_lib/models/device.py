"""Where a network runs and what it is fed: the device, and uint8 slices as its input batch."""

from __future__ import annotations

import numpy as np
import torch


def as_batch(images: np.ndarray | torch.Tensor) -> torch.Tensor:
    """uint8 ``(B, H, W)`` (one sequence) or ``(B, C, H, W)`` (early fusion) → ``(B, C, H, W)``
    (a view where possible: nothing is copied for a contiguous array).

    Args:
        images: a numpy array or tensor of slices.

    Example:
        >>> as_batch(np.zeros((4, 96, 96), np.uint8)).shape
        torch.Size([4, 1, 96, 96])
    """
    x = images if isinstance(images, torch.Tensor) else \
        torch.from_numpy(np.ascontiguousarray(images))
    return x[:, None] if x.ndim == 3 else x


def pick_device() -> torch.device:
    """CUDA when present, else CPU.

    Example:
        >>> pick_device().type in ("cpu", "cuda")
        True
    """
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def to_input(batch_u8: torch.Tensor, device: torch.device) -> torch.Tensor:
    """``(B, 1|3, H, W)`` uint8 → float ``(B, 3, H, W)`` in [0, 1] on ``device``
    (channels_last). The model applies its backbone's normalisation itself.

    Args:
        batch_u8: uint8 slices, one channel or three.
        device: where the batch goes.

    Example:
        >>> to_input(torch.full((2, 1, 8, 8), 255, dtype=torch.uint8), torch.device("cpu")).shape
        torch.Size([2, 3, 8, 8])
    """
    x = batch_u8.to(device, non_blocking=True).float().div_(255)
    if x.shape[1] == 1:
        x = x.expand(-1, 3, -1, -1)
    return x.contiguous(memory_format=torch.channels_last)
