"""Tumour shapes taken from real BraTS segmentations, for the synthetic generator.

Each real tumour of the *calibration* set (``../shared/brats-sample``; never the external set)
is reduced to two **radial functions** around the centroid of its tumour core: how far the
core (labels 1 and 4) and the whole tumour (labels 1, 2 and 4) reach in each direction, on a
:data:`POLAR` × :data:`AZIMUTH` grid of directions (mm; the 95th percentile of the labelled
voxels' distances in that direction's cone, smoothed on the sphere). They are committed as
``tumour_shapes.json`` beside this module (a few kilobytes of derived numbers, no image), so
the embedded default cohort needs no real data; ``bench/bench_shapes.py`` refits them.

The generator (:func:`glioma_lib.data.synth.synth_patient`) draws one real shape of the
patient's grade, blends it with a second real shape of either grade (so the grades overlap),
rotates, resizes, deforms and relocates it.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

import numpy as np
from scipy import ndimage

#: Direction grid: polar angle (from the axial axis) and azimuth bins.
POLAR = 12
AZIMUTH = 24
#: Percentile of the voxels' distances in a direction's cone taken as the surface.
SURFACE_PERCENTILE = 95
SHAPES_FILE = Path(__file__).with_name("tumour_shapes.json")


def _direction_bins(rel: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Distance, polar bin and azimuth bin of offsets ``rel`` ``(3, n)`` (voxels = mm)."""
    dist = np.sqrt((rel ** 2).sum(0)) + 1e-6
    polar = np.arccos(np.clip(rel[2] / dist, -1, 1))
    azimuth = np.arctan2(rel[1], rel[0])
    pi = np.clip((polar / np.pi * POLAR).astype(int), 0, POLAR - 1)
    ai = np.clip(((azimuth + np.pi) / (2 * np.pi) * AZIMUTH).astype(int), 0, AZIMUTH - 1)
    return dist, pi, ai


def _smooth_sphere(grid: np.ndarray) -> np.ndarray:
    """Fill empty bins (NaN) from their neighbours and smooth lightly; azimuth wraps."""
    grid = grid.copy()
    for _ in range(POLAR * 2):
        empty = np.isnan(grid)
        if not empty.any():
            break
        filled = np.where(empty, 0.0, grid)
        weight = (~empty).astype(float)
        num = ndimage.uniform_filter(filled, 3, mode=("nearest", "wrap"))
        den = ndimage.uniform_filter(weight, 3, mode=("nearest", "wrap"))
        grid[empty] = np.where(den[empty] > 0, num[empty] / np.maximum(den[empty], 1e-9),
                               np.nan)
    return ndimage.gaussian_filter(grid, 0.7, mode=("nearest", "wrap"))


def radial_profile(seg: np.ndarray) -> dict[str, list[list[float]]]:
    """The radial functions of one real segmentation: ``core`` (labels 1, 4) and ``whole``
    (labels > 0), each a :data:`POLAR` × :data:`AZIMUTH` grid of distances in mm from the
    core's centroid (the whole tumour reaches at least as far as the core).

    Args:
        seg: a BraTS label map (1 mm voxels; 0, 1, 2, 4).

    Example:
        >>> seg = np.zeros((40, 40, 40), np.uint8); seg[10:30, 10:30, 10:30] = 2
        >>> seg[15:25, 15:25, 15:25] = 1
        >>> round(np.median(radial_profile(seg)["core"]), 1)
        6.9
    """
    core = np.isin(seg, (1, 4))
    if not core.any():
        raise ValueError("segmentation has no tumour core (labels 1 or 4)")
    centre = np.argwhere(core).mean(0)
    out = {}
    for name, region in (("core", core), ("whole", seg > 0)):
        rel = (np.argwhere(region) - centre).T
        dist, pi, ai = _direction_bins(rel)
        grid = np.full((POLAR, AZIMUTH), np.nan)
        order = np.lexsort((dist, ai, pi))
        keys = pi[order] * AZIMUTH + ai[order]
        starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]])
        ends = np.r_[starts[1:], len(keys)]
        for s, e in zip(starts, ends, strict=True):
            grid.flat[keys[s]] = np.percentile(dist[order][s:e], SURFACE_PERCENTILE)
        out[name] = _smooth_sphere(grid)
    out["whole"] = np.maximum(out["whole"], out["core"])
    return {k: np.round(v, 2).tolist() for k, v in out.items()}


def fit_shapes(patients: list[tuple[str, str, str | Path]]) -> dict:
    """Radial profiles of real tumours, ready for ``tumour_shapes.json``.

    Args:
        patients: ``(patient_id, grade, seg_path)`` of the calibration patients.

    Example:
        >>> shapes = fit_shapes([])  # no patient: an empty table
        >>> shapes["shapes"]
        []
    """
    from .brats import load_volume

    rows = []
    for pid, grade, path in patients:
        seg = np.rint(load_volume(path)).astype(np.uint8)
        rows.append({"patient_id": pid, "grade": grade, **radial_profile(seg)})
    return {"polar": POLAR, "azimuth": AZIMUTH, "percentile": SURFACE_PERCENTILE,
            "source": "calibration set (../shared/brats-sample)", "shapes": rows}


@lru_cache(maxsize=1)
def real_shapes() -> tuple[dict, ...]:
    """The committed real tumour shapes (``tumour_shapes.json``), each with ``grade`` and the
    ``core`` and ``whole`` grids as arrays.

    Example:
        >>> sorted({s["grade"] for s in real_shapes()})
        ['HGG', 'LGG']
    """
    table = json.loads(SHAPES_FILE.read_text())
    return tuple({"patient_id": s["patient_id"], "grade": s["grade"],
                  "core": np.asarray(s["core"], np.float32),
                  "whole": np.asarray(s["whole"], np.float32)} for s in table["shapes"])


def equivalent_radius(grid: np.ndarray) -> float:
    """The radius of the sphere with the volume a radial function encloses (mm): the cube
    root of the solid-angle mean of the radius cubed.

    Args:
        grid: a :data:`POLAR` × :data:`AZIMUTH` radial function (mm).

    Example:
        >>> round(equivalent_radius(np.full((POLAR, AZIMUTH), 7.0)), 6)
        7.0
    """
    weight = np.sin((np.arange(POLAR) + 0.5) / POLAR * np.pi)[:, None] * np.ones((1, AZIMUTH))
    return float((np.sum(np.asarray(grid, float) ** 3 * weight) / weight.sum()) ** (1 / 3))


def shape_radii(grids: tuple[np.ndarray, ...], rel: list[np.ndarray]) -> list[np.ndarray]:
    """Radial functions looked up at offsets ``rel`` (three broadcastable axes, voxels):
    bilinear on the direction grid (azimuth wraps), one value per voxel of the broadcast;
    the directions are computed once for all ``grids``.

    Args:
        grids: :data:`POLAR` × :data:`AZIMUTH` radial functions (mm).
        rel: offsets from the shape's centre along the three axes (already rotated).

    Example:
        >>> axis = [np.arange(-2.0, 3.0).reshape(s) for s in ((-1, 1, 1), (1, -1, 1), (1, 1, -1))]
        >>> shape_radii((np.full((POLAR, AZIMUTH), 7.0, np.float32),), axis)[0].shape
        (5, 5, 5)
    """
    x, y, z = np.broadcast_arrays(*rel)
    dist = np.sqrt(x * x + y * y + z * z) + np.float32(1e-6)
    polar = np.arccos(np.clip(z / dist, -1, 1)) / np.float32(np.pi) * POLAR - 0.5
    azimuth = (np.arctan2(y, x) + np.float32(np.pi)) / np.float32(2 * np.pi) * AZIMUTH - 0.5
    del dist, x, y, z
    p0 = np.floor(polar)
    a0 = np.floor(azimuth)
    fp, fa = (polar - p0).astype(np.float32), (azimuth - a0).astype(np.float32)
    p0 = p0.astype(np.intp)
    a0 = a0.astype(np.intp)
    corners = [(np.clip(p0 + dp, 0, POLAR - 1) * AZIMUTH + (a0 + da) % AZIMUTH,
                (fp if dp else 1 - fp) * (fa if da else 1 - fa))
               for dp in (0, 1) for da in (0, 1)]
    return [sum(np.asarray(g, np.float32).ravel()[i] * w for i, w in corners).astype(np.float32)
            for g in grids]
