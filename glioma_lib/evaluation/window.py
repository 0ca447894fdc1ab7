"""How the automatic tumour window of ``glioma-grade predict`` compares with the
segmentation's window (chapter 8)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..data.automask import auto_tumour_mask
from ..data.brats import load_patient
from ..data.slices import largest_tumour_slice, tumour_window


def window_overlap(a, b) -> float:
    """Share of the slices of window ``a`` that are also in window ``b``.

    Args:
        a, b: slice index windows.

    Example:
        >>> window_overlap([1, 2, 3, 4], [3, 4, 5, 6])
        0.5
    """
    a, b = np.asarray(a), np.asarray(b)
    return len(np.intersect1d(a, b)) / max(len(a), 1)


def auto_window_agreement(cohort, n_slices: int = 20, max_patients: int | None = None,
                          seed: int = 0):
    """How the automatic window compares with the segmentation's, per patient of ``cohort``:
    ``overlap`` (share of the true window's slices also chosen), ``tumour_slices`` (share of
    the chosen slices that hold tumour in the true mask) and ``key_distance`` (slices between
    the two largest-tumour slices). ``max_patients`` draws a seeded, grade-stratified sample.

    Args:
        cohort: an indexed cohort.
        n_slices: the window length.
        max_patients: a grade-stratified sample of that many (None: all).
        seed: the sample's seed.

    Example:
        >>> data = gl.prepare_data(gl.get_profile("smoke"))
        >>> auto_window_agreement(data.cohort, 20, max_patients=60)
    """
    if max_patients is not None and max_patients < len(cohort):
        share = max_patients / len(cohort)
        cohort = cohort.groupby("grade", group_keys=False).sample(frac=share, random_state=seed)
    rows = []
    for _, row in cohort.iterrows():
        vols = load_patient(row, ("t2", "flair"))
        truth = tumour_window(vols["seg"], n_slices)
        try:
            auto_mask = auto_tumour_mask(vols)
        except ValueError:
            rows.append({"patient_id": row["patient_id"], "grade": row["grade"], "found": False,
                         "overlap": 0.0, "tumour_slices": 0.0, "key_distance": np.nan})
            continue
        auto = tumour_window(auto_mask, n_slices)
        key_auto, key_true = largest_tumour_slice(auto_mask), largest_tumour_slice(vols["seg"])
        rows.append({"patient_id": row["patient_id"], "grade": row["grade"], "found": True,
                     "overlap": window_overlap(truth, auto),
                     "tumour_slices": float((vols["seg"][..., auto] > 0).any((0, 1)).mean()),
                     "key_distance": abs(int(key_auto) - int(key_true))})
    return pd.DataFrame(rows)


def agreement_summary(table: pd.DataFrame) -> pd.DataFrame:
    """Per grade and overall: mean overlap, share of chosen slices holding tumour, share of
    patients where a window was found, share with overlap ≥ 50 % (chapter 8).

    Args:
        table: :func:`auto_window_agreement` output.

    Example:
        >>> data = gl.prepare_data(gl.get_profile("smoke"))
        >>> agreement_summary(auto_window_agreement(data.cohort, 20, max_patients=60))
    """
    table = table.assign(half=table["overlap"] >= 0.5)
    cols = {"overlap": "overlap", "tumour_slices": "tumour_slices", "found": "window found",
            "half": "overlap ≥ 50 %"}
    by_grade = table.groupby("grade")[list(cols)].mean()
    by_grade.loc["all"] = table[list(cols)].mean()
    return by_grade.rename(columns=cols)
