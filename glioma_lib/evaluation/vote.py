"""Fusion of the per-sequence models: the paper's majority vote, and a soft vote.

**One vote.** Every hard verdict of the book is :func:`decide` (pure arrays: each model votes
HGG at its threshold, the majority decides, the score is the share voting HGG), applied per
patient by :func:`grade_patients` under a :class:`VoteRule` whose :meth:`~VoteRule.text` is
the sentence ``glioma-grade predict`` writes into its report: the chapters' "vote
(glioma-grade predict)" rows, the operating points chosen on validation (thresholds per fold)
and the command all grade through it.

Every table of the book names its models one way, a **model map**: display name →
(score column, optional 0/1 column). The score column ranks (ROC-AUC); the 0/1 column, when
given, is the model's decision (a hard vote), else the decision is score ≥ 0.5.
:func:`model_columns` (slices) and :func:`patient_models` (patients) make the book's maps.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

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


@dataclass(frozen=True)
class VoteRule:
    """The paper's rule on patients: each sequence's network votes HGG when its patient
    probability (the mean of its slices' probabilities) is at least ``threshold``; the
    majority of the sequences decides; the score is the share of sequences voting HGG."""

    sequences: tuple[str, ...]
    threshold: float = 0.5

    def text(self) -> str:
        """The rule in words, as ``glioma-grade predict`` reports it.

        Example:
            >>> VoteRule(("t1", "t2", "flair")).text()[:60]
            'majority vote of the T1WI, T2WI and FLAIR networks: each vot'
        """
        names = [SEQUENCE_NAMES.get(s, s) for s in self.sequences]
        listed = ", ".join(names[:-1]) + f" and {names[-1]}" if len(names) > 1 else names[0]
        n = len(self.sequences)
        shares = ", ".join(str(Fraction(k, n)) for k in range(n + 1))
        return (f"majority vote of the {listed} networks: each votes HGG when its mean slice "
                f"probability is >= {self.threshold:g}; score_hgg is the share of networks "
                f"voting HGG ({shares}), so the grade is HGG exactly when score_hgg > 0.5 "
                "(evaluated in chapter 6)")


def decide(probabilities, thresholds=0.5) -> tuple[np.ndarray, np.ndarray]:
    """The hard vote on arrays: rows = models, columns = patients; each model votes HGG at
    its threshold (a scalar, one per model, or one per model and patient); returns the share
    voting HGG (the vote's ROC score) and the majority's 0/1 verdict.

    Args:
        probabilities: rows = models, columns = patients.
        thresholds: the models' thresholds, broadcast against ``probabilities``.

    Example:
        >>> share, verdict = decide([[0.9, 0.1], [0.6, 0.7], [0.2, 0.3]])
        >>> share.round(3).tolist(), verdict.tolist()
        ([0.667, 0.333], [1, 0])
    """
    probs = np.asarray(probabilities, dtype=float)
    cuts = np.asarray(thresholds, dtype=float)
    if cuts.ndim == 1 and cuts.size == probs.shape[0] and probs.ndim == 2:
        cuts = cuts[:, None]
    votes = (probs >= cuts).astype(int)
    return fraction(votes), majority(votes)


def grade_patients(frame: pd.DataFrame, rule: VoteRule, by: str = "patient_id"
                   ) -> pd.DataFrame:
    """Patients graded by ``rule`` from slice predictions (``p_<seq>`` columns): one row per
    patient with each sequence's mean slice probability (``p_<seq>``), the share of sequences
    voting HGG (``rule_score``) and the verdict (``rule_vote``, 1 = HGG).

    Args:
        frame: slice predictions with ``by``, ``label`` and ``p_<seq>``.
        rule: the vote rule.
        by: the patient column.

    Example:
        >>> f = pd.DataFrame({"patient_id": ["a", "b"], "label": [1, 0], "p_t1": [0.9, 0.1],
        ...                   "p_t2": [0.6, 0.7], "p_flair": [0.2, 0.3]})
        >>> grade_patients(f, VoteRule(("t1", "t2", "flair")))["rule_vote"].tolist()
        [1, 0]
    """
    cols = [f"p_{s}" for s in rule.sequences]
    patients = patient_mean(frame, cols, by=by)
    share, verdict = decide(patients[cols].to_numpy().T, rule.threshold)
    return patients.assign(rule_score=share, rule_vote=verdict)


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
    share, verdict = decide(probs, 0.5)
    return frame.assign(p_vote=share, hard_vote=verdict, p_soft=soft(probs))


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
