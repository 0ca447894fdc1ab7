"""Fusion of the per-sequence models: the paper's majority vote, and a soft vote."""

from __future__ import annotations

import numpy as np
import pandas as pd


def majority(predictions) -> np.ndarray:
    """Hard vote: rows = models, columns = samples, values 0/1; 1 wins with > half the votes."""
    votes = np.asarray(predictions)
    if votes.ndim != 2:
        raise ValueError("predictions must be 2-D: rows = models, columns = samples")
    if not np.isin(votes, (0, 1)).all():
        raise ValueError("predictions must be 0/1 class votes")
    return (votes.sum(axis=0) * 2 > votes.shape[0]).astype(int)


def soft(probabilities) -> np.ndarray:
    """Soft vote: the mean HGG probability over models (rows = models)."""
    return np.asarray(probabilities, dtype=float).mean(axis=0)


def patient_mean(frame: pd.DataFrame, columns, by: str = "patient_id") -> pd.DataFrame:
    """Average slice-level columns per patient (label taken as the patient's first)."""
    agg = {c: "mean" for c in columns}
    agg["label"] = "first"
    return frame.groupby(by, sort=True).agg(agg).reset_index()


def patient_level(frame: pd.DataFrame, columns, by: str = "patient_id",
                  threshold: float = 0.5) -> pd.DataFrame:
    """Grade patients from their slices: per column, the mean slice probability (same name)
    and the share of slices voting HGG (``vote_<column>``); one row per patient."""
    columns = list(columns)
    votes = {f"vote_{c}": (frame[c] >= threshold).astype(float) for c in columns}
    wide = frame.assign(**votes)
    out = patient_mean(wide, columns + list(votes), by=by)
    out["n_slices"] = frame.groupby(by, sort=True).size().to_numpy()
    return out
