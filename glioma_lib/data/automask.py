"""A tumour mask from the images alone, for patients without a segmentation: the largest
region bright on both FLAIR and T2 inside the brain, which is what oedema and tumour look like
and CSF does not (``glioma-grade predict`` without ``--seg``; chapter 8 compares its window
with the segmentation's)."""

from __future__ import annotations

import numpy as np
from scipy import ndimage

AUTO_METHOD = ("automatic: largest 3-D region with FLAIR z > {flair_z} and T2 z > {t2_z} "
               "(robust z-scores inside the brain, brain eroded by {erode} voxels)")


def _robust_z(volume: np.ndarray, brain: np.ndarray) -> np.ndarray:
    values = volume[brain]
    med = np.median(values)
    mad = 1.4826 * np.median(np.abs(values - med)) or values.std() or 1.0
    return (volume - med) / mad


#: Thresholds of :func:`auto_tumour_mask`, also quoted in the report's method line.
AUTO_FLAIR_Z, AUTO_T2_Z, AUTO_ERODE = 2.0, 1.0, 3


def auto_tumour_mask(volumes: dict[str, np.ndarray], flair_z: float = AUTO_FLAIR_Z,
                     t2_z: float = AUTO_T2_Z, erode: int = AUTO_ERODE) -> np.ndarray:
    """A tumour mask from the images alone: the largest connected region that is bright on
    both FLAIR and T2 inside the (eroded) brain. Raises ``ValueError`` when none is found."""
    brain = (volumes["flair"] > 0) & (volumes["t2"] > 0)
    brain = ndimage.binary_erosion(brain, iterations=erode)
    if not brain.any():
        raise ValueError("no brain found (FLAIR and T2 have no common non-zero voxels)")
    bright = (_robust_z(volumes["flair"], brain) > flair_z) & \
        (_robust_z(volumes["t2"], brain) > t2_z) & brain
    bright = ndimage.binary_opening(bright, iterations=1)
    labels, n = ndimage.label(bright)
    if n == 0:
        raise ValueError("no FLAIR/T2-hyperintense region found; pass --seg")
    sizes = ndimage.sum_labels(bright, labels, index=np.arange(1, n + 1))
    return (labels == 1 + int(np.argmax(sizes))).astype(np.uint8)
