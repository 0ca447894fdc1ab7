"""The synthetic cohort's anatomy: the MNI152 template (nilearn) placed on the BraTS grid,
smooth random deformations and noise fields, and a thick-slice acquisition's partial volume
(used by :func:`glioma_lib.data.synth.synth_patient`)."""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np
from scipy import ndimage

if TYPE_CHECKING:  # the knobs' type only (synth imports this module)
    from .synth import SynthConfig

SHAPE = (240, 240, 155)  # BraTS: 1 mm isotropic, axial = last axis


def _window(array: np.ndarray, centre: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Crop/pad ``array`` to ``shape`` centred on ``centre`` (zeros outside)."""
    out = np.zeros(shape, dtype=np.float32)
    src, dst = [], []
    for c, n, size in zip(centre, shape, array.shape, strict=True):
        start = int(round(c)) - n // 2
        s0, s1 = max(start, 0), min(start + n, size)
        src.append(slice(s0, s1))
        dst.append(slice(s0 - start, s1 - start))
    out[tuple(dst)] = array[tuple(src)]
    return out


#: The template maps each patient's deformation samples (CSF is the rest of the brain mask:
#: trilinear sampling is linear, so it is the sampled mask minus the sampled GM and WM).
WARPED = ("mask", "gm", "wm")


@lru_cache(maxsize=1)
def template() -> dict[str, np.ndarray]:
    """MNI152 2009a GM, WM, CSF and brain mask on the BraTS 240×240×155 grid (cached)."""
    from nilearn import datasets

    from .brats import to_canonical

    def lps(img) -> np.ndarray:  # the template in the voxel order of real BraTS files
        return np.ascontiguousarray(to_canonical(img.get_fdata(dtype=np.float32), img.affine))

    mask = lps(datasets.load_mni152_brain_mask(resolution=1))
    gm = lps(datasets.load_mni152_gm_template(resolution=1))
    wm = lps(datasets.load_mni152_wm_template(resolution=1))
    nz = np.argwhere(mask > 0.5)
    centre = (nz.min(0) + nz.max(0)) / 2
    mask, gm, wm = (_window(a, centre, SHAPE) for a in (mask, gm, wm))
    mask = (mask > 0.5).astype(np.float32)
    gm, wm = gm * mask, wm * mask
    csf = np.clip(mask - gm - wm, 0, 1)
    # Plausible tumour sites: deep in the cerebrum, in white matter.
    depth = ndimage.distance_transform_edt(mask > 0)
    zs = np.argwhere(mask > 0)[:, 2]
    z_low = zs.min() + 0.40 * (zs.max() - zs.min())  # above the cerebellum / brainstem
    allowed = (wm > 0.5) & (depth > 8)
    allowed[:, :, : int(z_low)] = False
    sites = np.argwhere(allowed)  # C order, as np.argwhere of any sub-selection
    nz = np.argwhere(mask > 0)  # on the BraTS grid
    grown = ndimage.binary_dilation(mask > 0, np.ones((3, 3, 3), bool))
    lo, hi = np.maximum(nz.min(0) - 8, 0), np.minimum(nz.max(0) + 9, SHAPE)
    return {"gm": gm, "wm": wm, "csf": csf, "mask": mask, "depth": depth.astype(np.float32),
            # the maps every patient warps, stacked once (not per patient: 140 MB to copy)
            "stacked": (WARPED, np.stack([{"mask": mask, "gm": gm, "wm": wm}[k]
                                          for k in WARPED])),
            "allowed": allowed, "sites": sites, "mask_grown": grown,
            "site_depth": depth[allowed].astype(np.float32),
            # the brain's bounding box (grown by 8 voxels for the deformation) and centre
            "lo": lo, "hi": hi, "centre": ((nz.min(0) + nz.max(0)) / 2).astype(np.float32)}


@lru_cache(maxsize=64)
def _upsampling_matrix(size: int, grid: int) -> np.ndarray:
    """``(size, grid)`` weights of linear upsampling along one axis: what ``ndimage.zoom``
    (order 1, grid mode) does to that axis, as a matrix (order-1 splines are separable)."""
    eye = np.eye(grid, dtype=np.float32)
    return ndimage.zoom(eye, (size / grid, 1), order=1, grid_mode=True, mode="nearest")[:size]


def _smooth_noise(rng: np.random.Generator, grid: tuple[int, ...], shape: tuple[int, ...],
                  crop: tuple[slice, ...] | None = None) -> np.ndarray:
    """Smooth random field in about [-1, 1]: coarse normal noise, linearly upsampled (one
    small matrix product per axis instead of a 3-D spline zoom of the whole volume; on one
    core about 3× faster than torch's trilinear ``interpolate``, which gives the same values).
    ``crop`` returns only that block of the field (the same draws, the same values)."""
    return upsample(rng.standard_normal(grid).astype(np.float32), shape, crop)


def upsample(out: np.ndarray, shape: tuple[int, ...],
             crop: tuple[slice, ...] | None = None) -> np.ndarray:
    """A coarse grid of values linearly upsampled to ``shape`` (the block ``crop`` of it
    only): what :func:`_smooth_noise` does to its normal draws, for a given grid."""
    crop = crop or tuple(slice(0, s) for s in shape)
    for axis, (size, g, part) in enumerate(zip(shape, out.shape, crop, strict=True)):
        weights = _upsampling_matrix(size, g)[part]
        out = np.moveaxis(np.tensordot(weights, out, axes=(1, axis)), 0, axis)
    return np.ascontiguousarray(out)


def _warp(maps: dict[str, np.ndarray] | tuple[tuple[str, ...], np.ndarray],
          coords: np.ndarray) -> dict[str, np.ndarray]:
    """Trilinear samples of every map at voxel coordinates ``coords`` ``(3, ...)``, zero
    outside: one ``grid_sample`` pass for all maps (scipy's ``map_coordinates``, order 1,
    samples each map apart and computes in float64, about twice the time). ``maps``: name →
    volume, or (names, the volumes already stacked), as :func:`template` keeps them."""
    import torch

    names, stacked = (maps if isinstance(maps, tuple)
                      else (tuple(maps), np.stack(list(maps.values()))))
    volume = torch.from_numpy(stacked)[None]
    size = np.asarray(volume.shape[2:], np.float32)
    scale, offset = (2 / (size - 1)).astype(np.float32), np.float32(1)
    points = coords.reshape(3, -1)
    grid = np.stack([points[a] * scale[a] - offset for a in (2, 1, 0)], -1)  # x, y, z order
    with torch.inference_mode():
        out = torch.nn.functional.grid_sample(
            volume, torch.from_numpy(grid).view(1, 1, 1, -1, 3), mode="bilinear",
            padding_mode="zeros", align_corners=True)[0]
    return {k: out[i].reshape(coords.shape[1:]).numpy() for i, k in enumerate(names)}


def _bounding_box(inside: np.ndarray, margin: int) -> tuple[slice, ...]:
    """The slices of the smallest box holding every True voxel, grown by ``margin``."""
    box = []
    for axis in range(inside.ndim):
        hit = np.flatnonzero(inside.any(axis=tuple(a for a in range(inside.ndim) if a != axis)))
        if len(hit) == 0:
            return tuple(slice(0, 0) for _ in range(inside.ndim))
        box.append(slice(max(int(hit[0]) - margin, 0),
                         min(int(hit[-1]) + margin + 1, inside.shape[axis])))
    return tuple(box)


def _affine_matrix(rng, cfg: SynthConfig) -> np.ndarray:
    angles = np.deg2rad(rng.uniform(-cfg.rotation_deg, cfg.rotation_deg, 3))
    cx, cy, cz = np.cos(angles)
    sx, sy, sz = np.sin(angles)
    rx = np.array([[1, 0, 0], [0, cx, -sx], [0, sx, cx]])
    ry = np.array([[cy, 0, sy], [0, 1, 0], [-sy, 0, cy]])
    rz = np.array([[cz, -sz, 0], [sz, cz, 0], [0, 0, 1]])
    return ((rz @ ry @ rx) @ np.diag(rng.uniform(*cfg.scale_range, 3))).astype(np.float32)


def _through_plane(values: np.ndarray, mask: np.ndarray, slice_mm: float,
                   work: tuple[np.ndarray, np.ndarray] | None = None) -> np.ndarray:
    """Brain-voxel values as acquired with ``slice_mm`` slices and resampled to 1 mm: a box
    average along the axial axis (zero outside the brain, as partial volume with it).
    ``work``: two float32 arrays of ``mask``'s shape, the first zero outside ``mask``, reused
    across calls instead of allocating."""
    width = int(round(slice_mm))
    if width <= 1:
        return values
    volume, blurred = work or (np.zeros(mask.shape, np.float32), np.empty(mask.shape,
                                                                          np.float32))
    volume[mask] = values
    ndimage.uniform_filter1d(volume, width, axis=2, mode="constant", output=blurred)
    return blurred[mask]
