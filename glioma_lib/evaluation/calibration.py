"""Calibration of HGG probabilities: reliability bins and the Brier score (scikit-learn)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.metrics import brier_score_loss

from .vote import ModelMap

#: Bins of the book's reliability diagrams.
N_BINS = 5


def calibration_bins(labels, probs, n_bins: int = 10) -> pd.DataFrame:
    """Equal-width probability bins: count, mean predicted probability, observed HGG share.

    Empty bins are kept (with ``n = 0`` and NaN means) so every table has ``n_bins`` rows.
    """
    labels = np.asarray(labels).astype(int)
    probs = np.asarray(probs, dtype=float)
    if labels.shape != probs.shape:
        raise ValueError(f"labels {labels.shape} and probabilities {probs.shape} differ")
    if ((probs < 0) | (probs > 1)).any():
        raise ValueError("probabilities must lie in [0, 1]")
    edges = np.linspace(0.0, 1.0, n_bins + 1)
    which = np.clip(np.digitize(probs, edges[1:-1], right=False), 0, n_bins - 1)
    rows = []
    for b in range(n_bins):
        inside = which == b
        n = int(inside.sum())
        rows.append({"low": edges[b], "high": edges[b + 1], "n": n,
                     "mean_prob": probs[inside].mean() if n else np.nan,
                     "frac_hgg": labels[inside].mean() if n else np.nan})
    return pd.DataFrame(rows)


def brier(labels, probs) -> float:
    """Mean squared error of the HGG probability (0 is perfect; 0.25 is a constant 0.5)."""
    return float(brier_score_loss(np.asarray(labels).astype(int), np.asarray(probs, float)))


def expected_calibration_error(bins: pd.DataFrame) -> float:
    """Count-weighted mean |observed − predicted| over the non-empty bins."""
    full = bins[bins["n"] > 0]
    return float((full["n"] * (full["frac_hgg"] - full["mean_prob"]).abs()).sum()
                 / full["n"].sum())


def calibration_summary(frame: pd.DataFrame, models: ModelMap, n_bins: int = N_BINS,
                        label: str = "label") -> tuple[dict, pd.DataFrame]:
    """Reliability curves and a Brier / ECE table for several probability columns.

    Args:
        frame: one row per patient (or slice) with ``label`` and the probability columns.
        models: a model map (:mod:`glioma_lib.evaluation.vote`); each score column is
            calibrated.
        n_bins: equal-width bins of the reliability diagram.

    Returns:
        ``curves`` (name → (bins, Brier), for ``plots.reliability_diagram``)
        and the table (one row per model: ``Brier``, ``ECE``).

    Example:
        >>> f = pd.DataFrame({"label": [0, 1, 1, 0], "p_soft": [0.1, 0.8, 0.6, 0.3]})
        >>> calibration_summary(f, {"soft vote": ("p_soft", None)}, n_bins=2)[1].round(3)
                   Brier   ECE
        model
        soft vote  0.075  0.25
    """
    curves, rows = {}, []
    for name, (col, _) in models.items():
        bins = calibration_bins(frame[label], frame[col], n_bins=n_bins)
        score = brier(frame[label], frame[col])
        curves[name] = (bins, score)
        rows.append({"model": name, "Brier": score, "ECE": expected_calibration_error(bins)})
    return curves, pd.DataFrame(rows).set_index("model")
