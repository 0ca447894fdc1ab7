"""Fusion of the per-sequence models: the paper's majority vote, and a soft vote."""

from __future__ import annotations

import numpy as np
import pandas as pd


def majority(predictions) -> np.ndarray:
    """Hard vote: rows = models, columns = samples, values 0/1; 1 wins with > half the votes.

    Args:
        predictions: rows = models, columns = samples, values 0/1.

    Example:
        >>> majority([[1, 0], [1, 1], [0, 0]]).tolist()
        [1, 0]
    """
    votes = np.asarray(predictions)
    if votes.ndim != 2:
        raise ValueError("predictions must be 2-D: rows = models, columns = samples")
    if not np.isin(votes, (0, 1)).all():
        raise ValueError("predictions must be 0/1 class votes")
    return (votes.sum(axis=0) * 2 > votes.shape[0]).astype(int)


def fraction(predictions) -> np.ndarray:
    """The hard vote's ROC score: the share of models voting HGG (0, ⅓, ⅔, 1 for three).

    Thresholding it above one half gives exactly :func:`majority`.
    """
    votes = np.asarray(predictions)
    majority(votes)  # same checks
    return votes.mean(axis=0)


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
    and the share of slices voting HGG (``vote_<column>``); one row per patient.

    Args:
        frame: slice predictions with ``patient_id`` and ``label``.
        columns: probability columns.
        by: the patient column.
        threshold: a slice's vote threshold.

    Example:
        >>> patient_level(frame, ['p_flair'])[['patient_id', 'p_flair', 'vote_p_flair']]
    """
    columns = list(columns)
    votes = {f"vote_{c}": (frame[c] >= threshold).astype(float) for c in columns}
    wide = frame.assign(**votes)
    out = patient_mean(wide, columns + list(votes), by=by)
    out["n_slices"] = frame.groupby(by, sort=True).size().to_numpy()
    return out


def patient_rule(frame: pd.DataFrame, sequences, by: str = "patient_id",
                 threshold: float = 0.5) -> pd.DataFrame:
    """The rule ``glioma-grade predict`` applies, on slice predictions (``p_<seq>`` columns).

    Per patient and sequence the mean slice probability (``p_<seq>``); each sequence votes
    HGG when it is ``>= threshold``; ``rule_score`` is the share of sequences voting HGG (its
    ROC score) and ``rule_vote`` the verdict, 1 (HGG) with more than half of the votes.
    One row per patient.

    Args:
        frame: slice predictions.
        sequences: the voting sequences.
        by: the patient column.
        threshold: a sequence's vote threshold.

    Example:
        >>> patient_rule(run.predictions, ('t1', 't2', 'flair'))[['rule_score', 'rule_vote']]
    """
    cols = [f"p_{s}" for s in sequences]
    patients = patient_mean(frame, cols, by=by)
    votes = (patients[cols].to_numpy().T >= threshold).astype(int)
    return patients.assign(rule_score=fraction(votes), rule_vote=majority(votes))
