"""What a scanner does to the synthetic images: each site's acquisition signature and each
patient's scan drawn around it (used by :func:`glioma_lib.data.synth.synth_patient`).

A real site is easy to recognise after any per-volume intensity normalisation (Souza et al.
2023 name the site of a BraTS-like scan ~85 % of the time), because what survives such a
normalisation differs between scanners and protocols: the **tissue contrasts** (a protocol's
timing weights grey matter, white matter and CSF differently) and the **contrast curve** (a
power law here), the **in-plane resolution** (a blur), the
**noise spectrum** (noise acquired at that resolution is grainy), the **bias-field shape**
(the coil's pattern, the same for every scan of a site) and the **slice thickness**. Here
the 2-D sequences (T2, FLAIR) carry the slice thickness and the in-plane resolution; T1 and
T1ce (3-D, 1 mm) the contrast curve, noise level and bias field. Each site draws these once
(:func:`site_signature`); each patient's scan jitters them (:func:`scan_of`) and adds a bias
field of its own, so that a network cannot lean on exact intensities either.
"""

from __future__ import annotations

import zlib
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from scipy import ndimage

from .sites import BRATS19_SITE_GRADES

if TYPE_CHECKING:  # the knobs' type only (synth imports this module)
    from .synth import SynthConfig

#: Fields of a site's signature, in the order they are drawn from the site's stream.
SIGNATURE = ("gain", "gamma", "noise", "bias", "slice_mm", "inplane_mm")


def site_signature(site: str, seed: int, cfg: SynthConfig | None = None) -> dict[str, float]:
    """The acquisition signature of one synthetic site, drawn from the ranges of ``cfg``
    with a stream of its own (the cohort seed and the site's name): intensity scale ``gain``,
    contrast curve ``gamma``, thermal ``noise`` (fraction of white matter), bias-field
    strength ``bias``, and the 2-D sequences' ``slice_mm`` and in-plane resolution
    ``inplane_mm`` (their noise is acquired at that resolution: grainy).

    Args:
        site: a BraTS 2019 site name (``"CBICA"``, ``"TCIA10"``, ...).
        seed: the cohort seed.
        cfg: the generator's knobs.

    Example:
        >>> sorted(site_signature("CBICA", 2022)) == sorted(SIGNATURE)
        True
    """
    from .synth import SynthConfig

    cfg = cfg or SynthConfig()
    rng = np.random.default_rng([seed, 999_999, zlib.crc32(site.encode())])
    log_lo, log_hi = np.log(cfg.site_gain)
    glo, ghi = np.log(cfg.site_gamma)
    return {"gain": float(np.exp(rng.uniform(log_lo, log_hi))),
            "gamma": float(np.exp(rng.uniform(glo, ghi))),
            "noise": float(rng.uniform(*cfg.site_noise)),
            "bias": float(rng.uniform(*cfg.site_bias)),
            "slice_mm": float(rng.uniform(*cfg.site_slice_mm)),
            "inplane_mm": float(rng.uniform(*cfg.site_inplane_mm))}


def site_signatures(seed: int, cfg: SynthConfig | None = None) -> pd.DataFrame:
    """:func:`site_signature` of every BraTS 2019 site, one row per site (for the book).

    Args:
        seed: the cohort seed.
        cfg: the generator's knobs.

    Example:
        >>> len(site_signatures(2022))
        14
    """
    return pd.DataFrame({s: site_signature(s, seed, cfg) for s in BRATS19_SITE_GRADES}).T


def site_bias_field(site: str, seed: int, grid: tuple[int, int, int] = (3, 3, 3)) -> np.ndarray:
    """The coarse control grid of a site's bias-field shape (its coil pattern): standard
    normal values drawn from the site's own stream, the same for every patient of the site.

    Args:
        site: a BraTS 2019 site name.
        seed: the cohort seed.
        grid: control points per axis.

    Example:
        >>> np.array_equal(site_bias_field("TMC", 1), site_bias_field("TMC", 1))
        True
    """
    rng = np.random.default_rng([seed, 424_242, zlib.crc32(site.encode())])
    return rng.standard_normal(grid).astype(np.float32)


def site_tissue_contrast(site: str, seed: int, cfg: SynthConfig | None = None
                         ) -> dict[str, dict[str, float]]:
    """How a site's protocol (its TR, TE, TI, flip angle) weights the healthy tissues: a
    factor per tissue (grey and white matter, CSF) and sequence, log-uniform within
    ``±cfg.site_tissue_contrast``, from the site's own stream. Unlike a common scale, tissue-
    specific factors survive any per-volume intensity normalisation.

    Args:
        site: a BraTS 2019 site name.
        seed: the cohort seed.
        cfg: the generator's knobs.

    Example:
        >>> sorted(site_tissue_contrast("TMC", 1))
        ['csf', 'gm', 'wm']
    """
    from ..config import SEQUENCES_ALL
    from .synth import SynthConfig

    cfg = cfg or SynthConfig()
    rng = np.random.default_rng([seed, 515_151, zlib.crc32(site.encode())])
    c = cfg.site_tissue_contrast
    return {t: {seq: float(np.exp(rng.uniform(-c, c))) for seq in SEQUENCES_ALL}
            for t in ("gm", "wm", "csf")}


def scan_of(rng: np.random.Generator, signature: dict[str, float], cfg: SynthConfig
            ) -> dict[str, float]:
    """One patient's scan: the site's signature jittered by ``cfg.scan_jitter`` (contrast
    curve, noise, bias strength, slice thickness and in-plane resolution), the patient's own
    scale within ±10 % of the site's.

    Args:
        rng: the patient's stream.
        signature: the site's :func:`site_signature`.
        cfg: the generator's knobs.

    Example:
        >>> from glioma_lib.data.synth import SynthConfig
        >>> scan = scan_of(np.random.default_rng(0), site_signature("TMC", 1), SynthConfig())
        >>> sorted(scan) == sorted(SIGNATURE)
        True
    """
    j = cfg.scan_jitter
    scan = dict(signature)
    for key in ("gamma", "noise", "bias", "inplane_mm"):
        scan[key] = signature[key] * float(np.exp(rng.uniform(-j, j)))
    scan["slice_mm"] = max(1.0, signature["slice_mm"] + float(rng.uniform(-1, 1)))
    scan["gain"] = signature["gain"] * float(rng.uniform(0.9, 1.1))
    return scan


def blur_in_plane(image: np.ndarray, inplane_mm: float) -> np.ndarray:
    """An axial image stack as acquired at ``inplane_mm`` in-plane and resampled to 1 mm:
    a box average of that width along both in-plane axes (none at 1.5 mm or finer).

    Args:
        image: a volume (in-plane axes first, axial last).
        inplane_mm: the acquisition's in-plane voxel size.

    Example:
        >>> img = np.zeros((9, 9, 1), np.float32); img[4, 4] = 1
        >>> float(blur_in_plane(img, 3.0).max())
        0.1111111
    """
    width = int(round(inplane_mm))
    if width <= 1:
        return image
    for axis in (0, 1):
        image = ndimage.uniform_filter1d(image, width, axis=axis, mode="constant")
    return image
