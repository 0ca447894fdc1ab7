"""Training data on the training device: placed once, batches indexed there.

A network's uint8 training set (≈1.4 GB per sequence under ``paper`` with the offline 6×) is
copied to the GPU once; each batch is then an index into it, augmented
(:func:`glioma_lib.training.augment.augment_online`) and normalised on the GPU, so the host
only draws the batch order. Where the set does not fit (more than ``max_fraction`` of the
GPU's free memory), it stays in host memory and each batch is gathered into pinned memory and
copied on a side stream one batch ahead, overlapping the current step. On the CPU the "copy"
is a view of the caller's array: no second copy of the training set exists anywhere.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import torch

from ..models.device import as_batch

#: Largest share of the GPU's free memory a training set may take before it stays on the host.
MAX_DEVICE_FRACTION = 0.5


def fits_on_device(nbytes: int, device: torch.device | str,
                   max_fraction: float = MAX_DEVICE_FRACTION) -> bool:
    """Whether ``nbytes`` may be placed on ``device``: always on the CPU; on CUDA when it takes
    at most ``max_fraction`` of the free memory (the rest is the network's).

    Args:
        nbytes: size of the training set.
        device: the training device.
        max_fraction: largest share of the free memory.

    Example:
        >>> fits_on_device(10**9, "cpu")
        True
    """
    device = torch.device(device)
    if device.type != "cuda":
        return True
    free, _ = torch.cuda.mem_get_info(device)
    return nbytes <= max_fraction * free


@dataclass
class DeviceSet:
    """uint8 images ``(N, C, H, W)`` and int64 labels ready for training on ``device``.

    ``images`` lives on ``device`` (:attr:`resident`) or, when it did not fit, in host memory;
    ``labels`` always on ``device``.
    """

    images: torch.Tensor
    labels: torch.Tensor
    device: torch.device

    @property
    def resident(self) -> bool:
        """True when the images are on the training device itself."""
        return self.images.device == self.device

    def __len__(self) -> int:
        return len(self.images)

    @classmethod
    def place(cls, images: np.ndarray | torch.Tensor, labels: np.ndarray,
              device: torch.device | str, resident: bool | None = None) -> DeviceSet:
        """Move a training set to ``device`` once (or keep it on the host when it does not fit).

        Args:
            images: ``(N, [C,] H, W)`` uint8 slices.
            labels: ``(N,)`` integer labels.
            device: the training device.
            resident: force (True) or forbid (False) the copy to the device; None decides by
                :func:`fits_on_device`.

        Example:
            >>> s = DeviceSet.place(np.zeros((8, 32, 32), np.uint8), np.zeros(8), "cpu")
            >>> s.images.shape, s.resident
            (torch.Size([8, 1, 32, 32]), True)
        """
        device = torch.device(device)
        if device.type == "cuda" and device.index is None:  # "cuda" → "cuda:0": comparable
            device = torch.device("cuda", torch.cuda.current_device())
        x = as_batch(images)
        if resident is None:
            resident = fits_on_device(x.numel() * x.element_size(), device)
        if resident:
            x = x.to(device)
        y = torch.as_tensor(np.asarray(labels), dtype=torch.long).to(device)
        return cls(x, y, device)

    def batches(self, order: np.ndarray, batch_size: int,
                ) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
        """``(images, labels)`` on the device for consecutive chunks of ``order`` (each chunk's
        indices sorted, as the host path always read them).

        Args:
            order: a permutation of the rows.
            batch_size: rows per batch.

        Example:
            >>> s = DeviceSet.place(np.zeros((8, 32, 32), np.uint8), np.zeros(8), "cpu")
            >>> [len(x) for x, _ in s.batches(np.arange(8), 3)]
            [3, 3, 2]
        """
        chunks = [np.sort(order[b:b + batch_size]) for b in range(0, len(order), batch_size)]
        if self.resident:
            for idx in chunks:
                i = torch.from_numpy(idx).to(self.device, non_blocking=True)
                yield self.images.index_select(0, i), self.labels.index_select(0, i)
            return
        yield from self._prefetched(chunks)

    def _prefetched(self, chunks: list[np.ndarray]) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
        """Host-resident images: gather into pinned memory, copy one batch ahead on a side
        stream, hand each batch to the compute stream when it is needed."""
        stream = torch.cuda.Stream(self.device)
        main = torch.cuda.current_stream(self.device)

        def fetch(idx: np.ndarray) -> torch.Tensor:
            host = self.images.index_select(0, torch.from_numpy(idx)).pin_memory()
            with torch.cuda.stream(stream):
                return host.to(self.device, non_blocking=True)

        ahead = fetch(chunks[0]) if chunks else None
        for k, idx in enumerate(chunks):
            main.wait_stream(stream)
            x = ahead
            x.record_stream(main)
            ahead = fetch(chunks[k + 1]) if k + 1 < len(chunks) else None
            yield x, self.labels.index_select(0, torch.from_numpy(idx).to(self.device))
