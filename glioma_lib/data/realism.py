"""How a cohort's images look, in numbers: the statistics that compare the synthetic cohort
with real BraTS patients (``bench/bench_realism.py``).

Every statistic is scale-free (ratios to normal-appearing white matter, fractions,
coefficients of variation, shape of the histogram) because real BraTS intensities are raw
scanner units whose scale differs ~20× between sites. The same definitions are applied to
real and synthetic patients; nothing uses the generator's ground-truth tissue maps.

Normal-appearing white matter (NAWM) has no label in BraTS, so it is approximated the same
way for both: brain voxels at least :data:`NAWM_MARGIN` mm from the tumour (whole-tumour mask
dilated) and from the brain's edge, in the brightest :data:`NAWM_TOP` fraction of T1 — on T1,
white matter is the brightest healthy tissue.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import ndimage, stats

#: Tumour sub-regions of the BraTS labels.
REGIONS = {1: "necrotic / non-enhancing core", 2: "oedema", 4: "enhancing"}
NAWM_MARGIN = 5   # mm (voxels) kept away from the tumour and the brain's edge
NAWM_TOP = 0.30   # brightest fraction of T1 in that region taken as white matter
GLCM_LEVELS = 32  # grey levels of the texture statistic


def brain_mask(volumes: dict[str, np.ndarray]) -> np.ndarray:
    """Voxels non-zero in any image (BraTS images are skull-stripped: background is 0)."""
    return np.any([volumes[k] > 0 for k in volumes if k != "seg"], axis=0)


def nawm_mask(volumes: dict[str, np.ndarray], seg: np.ndarray) -> np.ndarray:
    """Normal-appearing white matter, approximated as described in the module docstring."""
    brain = brain_mask(volumes)
    ball = ndimage.generate_binary_structure(3, 1)
    interior = ndimage.binary_erosion(brain, ball, iterations=NAWM_MARGIN)
    near_tumour = ndimage.binary_dilation(seg > 0, ball, iterations=NAWM_MARGIN)
    region = interior & ~near_tumour
    t1 = volumes["t1"][region]
    if t1.size == 0:
        return region
    return region & (volumes["t1"] >= np.quantile(t1, 1 - NAWM_TOP))


def _glcm(image: np.ndarray, mask: np.ndarray, lo: float, hi: float) -> tuple[float, float]:
    """GLCM contrast and homogeneity (distance 1, four angles) of ``image`` inside ``mask``'s
    bounding box, quantised to :data:`GLCM_LEVELS` levels between ``lo`` and ``hi``."""
    from skimage.feature import graycomatrix, graycoprops

    rows, cols = np.flatnonzero(mask.any(1)), np.flatnonzero(mask.any(0))
    if len(rows) < 2 or len(cols) < 2:
        return float("nan"), float("nan")
    crop = image[rows[0]:rows[-1] + 1, cols[0]:cols[-1] + 1]
    levels = np.clip((crop - lo) / max(hi - lo, 1e-6) * (GLCM_LEVELS - 1), 0,
                     GLCM_LEVELS - 1).astype(np.uint8)
    glcm = graycomatrix(levels, [1], [0, np.pi / 4, np.pi / 2, 3 * np.pi / 4],
                        levels=GLCM_LEVELS, symmetric=True, normed=True)
    return (float(graycoprops(glcm, "contrast").mean()),
            float(graycoprops(glcm, "homogeneity").mean()))


def patient_stats(volumes: dict[str, np.ndarray], sequences=("t1", "t2", "flair")) -> dict:
    """The realism statistics of one patient (``{sequence: volume, "seg": labels}``).

    Per sequence: median intensity of each tumour sub-region over the NAWM median
    (``<seq>_ratio_<label>``), NAWM coefficient of variation (``<seq>_wm_cv``), background
    standard deviation over the NAWM mean (``<seq>_bg_sd``), the brain histogram's skewness,
    kurtosis and 99th/50th percentile ratio, GLCM contrast and homogeneity of the tumour at
    its largest axial slice; and the whole-tumour volume (cm³) and sub-region fractions.

    Args:
        volumes: a patient as :func:`glioma_lib.data.brats.load_patient` returns it.
        sequences: the sequences to describe.

    Example:
        >>> data = gl.prepare_data(gl.get_profile("smoke"))
        >>> patient_stats(gl.data.brats.load_patient(data.cohort.iloc[0]))["flair_ratio_2"]
    """
    seg = volumes["seg"]
    brain = brain_mask(volumes)
    wm = nawm_mask(volumes, seg)
    tumour = seg > 0
    z = int(np.argmax(tumour.sum(axis=(0, 1))))
    out: dict[str, float] = {"tumour_cm3": float(tumour.sum()) / 1000}
    for label in REGIONS:
        out[f"fraction_{label}"] = float((seg == label).sum() / max(tumour.sum(), 1))
    for seq in sequences:
        v = volumes[seq].astype(np.float32)
        wm_values = v[wm]
        ref = float(np.median(wm_values)) if wm_values.size else float("nan")
        for label in REGIONS:
            region = v[seg == label]
            out[f"{seq}_ratio_{label}"] = (float(np.median(region)) / ref if region.size
                                          else float("nan"))
        out[f"{seq}_wm_cv"] = float(wm_values.std() / wm_values.mean()) if wm_values.size \
            else float("nan")
        out[f"{seq}_bg_sd"] = float(v[~brain].std() / ref) if ref == ref else float("nan")
        inside = v[brain]
        scaled = inside / np.median(inside)
        out[f"{seq}_skew"] = float(stats.skew(scaled))
        out[f"{seq}_kurtosis"] = float(stats.kurtosis(scaled))
        out[f"{seq}_p99_over_p50"] = float(np.quantile(scaled, 0.99))
        lo, hi = np.quantile(inside, [0.01, 0.99])
        contrast, homogeneity = _glcm(v[:, :, z], tumour[:, :, z], lo, hi)
        out[f"{seq}_glcm_contrast"], out[f"{seq}_glcm_homogeneity"] = contrast, homogeneity
    return out


def compare(table: pd.DataFrame) -> pd.DataFrame:
    """Median of every statistic per source and grade, the sources in their order of first
    appearance (real first when the real patients came first).

    Args:
        table: one row per patient: ``source``, ``grade`` and :func:`patient_stats` columns.

    Example:
        >>> data = gl.prepare_data(gl.get_profile("smoke"))
        >>> load = gl.data.brats.load_patient
        >>> rows = [patient_stats(load(r)) | {"source": "synthetic", "grade": r["grade"]}
        ...         for _, r in data.cohort.head(2).iterrows()]
        >>> compare(pd.DataFrame(rows))
    """
    numeric = table.drop(columns=["patient_id"], errors="ignore")
    groups = numeric.groupby(["source", "grade"], sort=False)
    summary = groups.median(numeric_only=True)
    summary["patients"] = groups.size()
    order = list(dict.fromkeys(table["source"]))
    summary = summary.sort_index(key=lambda level: level.map(
        order.index if level.name == "source" else str))
    out = summary.T
    out.columns = [f"{source} {grade}" for source, grade in summary.index]
    return out
