"""Fusion of the per-sequence models: the paper's majority vote, and a soft vote.

Every table of the book names its models one way, a **model map**: display name →
(score column, optional 0/1 column). The score column ranks (ROC-AUC); the 0/1 column, when
given, is the model's decision (a hard vote), else the decision is score ≥ 0.5.
:func:`model_columns` (slices) and :func:`patient_models` (patients) make the book's maps.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..config import SEQUENCE_NAMES

#: A model map: display name → (score column, optional 0/1 decision column).
ModelMap = dict[str, tuple[str, "str | None"]]

VOTE = "vote"
SOFT_VOTE = "soft vote"
#: The model name of ``glioma-grade predict``'s rule in the chapters' tables.
PREDICT_RULE = "vote (glioma-grade predict)"
SOFT_PATIENT = "soft vote (mean prob.)"


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

    Args:
        predictions: rows = models, columns = samples, values 0/1.

    Example:
        >>> fraction([[1, 0], [1, 1], [0, 0]]).round(3).tolist()
        [0.667, 0.333]
    """
    votes = np.asarray(predictions)
    majority(votes)  # same checks
    return votes.mean(axis=0)


def soft(probabilities) -> np.ndarray:
    """Soft vote: the mean HGG probability over models (rows = models).

    Args:
        probabilities: rows = models, columns = samples.

    Example:
        >>> soft([[0.9, 0.2], [0.5, 0.4]]).tolist()
        [0.7, 0.30000000000000004]
    """
    return np.asarray(probabilities, dtype=float).mean(axis=0)


def patient_mean(frame: pd.DataFrame, columns, by: str = "patient_id") -> pd.DataFrame:
    """Average slice-level columns per patient (label taken as the patient's first).

    Args:
        frame: slice predictions with ``by`` and ``label``.
        columns: the columns averaged.
        by: the patient column.

    Example:
        >>> f = pd.DataFrame({"patient_id": ["a", "a", "b"], "label": [1, 1, 0],
        ...                   "p_t1": [0.2, 0.4, 0.9]})
        >>> patient_mean(f, ["p_t1"]).round(2).to_dict("list")
        {'patient_id': ['a', 'b'], 'p_t1': [0.3, 0.9], 'label': [1, 0]}
    """
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
        >>> f = pd.DataFrame({"patient_id": ["a", "a", "b"], "label": [1, 1, 0],
        ...                   "p_flair": [0.2, 0.8, 0.1]})
        >>> patient_level(f, ["p_flair"])[["patient_id", "p_flair", "vote_p_flair"]].values.tolist()
        [['a', 0.5, 0.5], ['b', 0.1, 0.0]]
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
        >>> f = pd.DataFrame({"patient_id": ["a", "b"], "label": [1, 0], "p_t1": [0.9, 0.1],
        ...                   "p_t2": [0.6, 0.7], "p_flair": [0.2, 0.3]})
        >>> patient_rule(f, ("t1", "t2", "flair"))["rule_vote"].tolist()
        [1, 0]
    """
    cols = [f"p_{s}" for s in sequences]
    patients = patient_mean(frame, cols, by=by)
    votes = (patients[cols].to_numpy().T >= threshold).astype(int)
    return patients.assign(rule_score=fraction(votes), rule_vote=majority(votes))


def with_votes(frame: pd.DataFrame, sequences) -> pd.DataFrame:
    """Add the combined models: ``hard_vote`` (the paper's majority of the sequences' 0/1
    decisions), ``p_vote`` (the share of sequences voting HGG: the hard vote's ROC score) and
    ``p_soft`` (the soft vote: mean probability, a model of its own).

    Args:
        frame: slice predictions with ``p_<sequence>`` columns.
        sequences: the voting sequences.

    Example:
        >>> f = pd.DataFrame({"p_t1": [0.9, 0.1], "p_t2": [0.6, 0.7], "p_flair": [0.2, 0.3]})
        >>> with_votes(f, ("t1", "t2", "flair"))[["hard_vote", "p_vote"]].round(3).values.tolist()
        [[1.0, 0.667], [0.0, 0.333]]
    """
    probs = np.stack([frame[f"p_{s}"].to_numpy() for s in sequences])
    votes = (probs >= 0.5).astype(int)
    return frame.assign(p_vote=fraction(votes), hard_vote=majority(votes),
                        p_soft=soft(probs))


def model_columns(sequences, *, soft_vote: bool = True) -> ModelMap:
    """Display name → (score column, optional 0/1 column) for each sequence, the hard vote
    (scored by its vote fraction) and, unless ``soft_vote=False``, the soft vote.

    Args:
        sequences: the sequences.
        soft_vote: include the soft vote.

    Example:
        >>> model_columns(('t1', 't2', 'flair'))['vote']
        ('p_vote', 'hard_vote')
    """
    cols = {SEQUENCE_NAMES.get(s, s): (f"p_{s}", None) for s in sequences}
    cols[VOTE] = ("p_vote", "hard_vote")
    if soft_vote:
        cols[SOFT_VOTE] = ("p_soft", None)
    return cols


def patient_models(sequences) -> ModelMap:
    """The model map of the per-patient tables: each sequence and the soft vote, scored by
    the patients' mean slice probability (:func:`patient_level` columns).

    Args:
        sequences: the sequences.

    Example:
        >>> patient_models(("t1", "flair"))["FLAIR"]
        ('p_flair', None)
        >>> list(patient_models(("t1", "flair")))
        ['T1WI', 'FLAIR', 'soft vote (mean prob.)']
    """
    models: ModelMap = {SEQUENCE_NAMES.get(s, s): (f"p_{s}", None) for s in sequences}
    return models | {SOFT_PATIENT: ("p_soft", None)}


def scores(models: ModelMap) -> list[str]:
    """The score columns of a model map, in order.

    Args:
        models: a model map.

    Example:
        >>> scores(patient_models(("t1",)))
        ['p_t1', 'p_soft']
    """
    return [score for score, _ in models.values()]
