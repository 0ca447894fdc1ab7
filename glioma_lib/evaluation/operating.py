"""Operating points chosen where they may be chosen: on each fold's validation patients.

The paper thresholds every network at 0.5. A short recipe can rank patients well (its AUC) while
its probabilities sit above 0.5 for nearly everyone, so that a majority of 0.5-votes calls every
patient HGG. Here each fold's threshold of each sequence's network (on the patient's mean slice
probability) and of the soft vote is chosen on that fold's **validation** patients by Youden's J
(sensitivity + specificity − 1, the ROC point farthest above the diagonal) and applied unchanged
to the fold's test patients; the sequences' thresholded votes then decide by majority, as in the
paper. Nothing about the test patients enters a threshold.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..config import SEQUENCE_NAMES
from .vote import decide, patient_mean

CRITERION = ("Youden's J (sensitivity + specificity − 1) on the fold's validation patients, "
             "applied unchanged to its test patients")
#: Names of the two rules in the tables.
FIXED, CHOSEN = "0.5 (the paper's)", "chosen on validation (Youden's J)"


def youden_threshold(labels, scores) -> float:
    """The score threshold (HGG at ``score >= threshold``) that maximises Youden's J; 0.5 where
    the patients hold one grade only (no ROC).

    Args:
        labels: 0/1 per patient.
        scores: HGG score per patient.

    Example:
        >>> youden_threshold([0, 0, 1, 1], [0.6, 0.7, 0.8, 0.9])
        0.8
    """
    from sklearn.metrics import roc_curve

    y, s = np.asarray(labels), np.asarray(scores, float)
    if len(np.unique(y)) < 2:
        return 0.5
    fpr, tpr, thresholds = roc_curve(y, s)
    best = int(np.argmax(tpr - fpr))  # the first maximum: the highest such threshold
    return float(min(thresholds[best], 1.0))


def _patients(frame: pd.DataFrame, sequences) -> pd.DataFrame:
    cols = [f"p_{s}" for s in sequences]
    patients = patient_mean(frame, cols + (["fold"] if "fold" in frame else []))
    patients["p_soft"] = patients[cols].mean(axis=1)
    return patients


def fold_thresholds(runs: dict, sequences) -> pd.DataFrame:
    """Each fold's threshold per sequence and for the soft vote, from its validation patients.

    Args:
        runs: fold → a run with ``val_predictions`` (slice rows with ``patient_id``, ``label``
            and ``p_<sequence>``), e.g. :class:`~glioma_lib.training.crossval.CrossValidation`'s
            ``runs``.
        sequences: the voting sequences.

    Example:
        >>> data = gl.prepare_data(gl.get_profile("smoke"))
        >>> cv = gl.training.crossval.cross_validate(data)
        >>> fold_thresholds(cv.runs, ("t1", "t2", "flair"))
    """
    rows = []
    for fold, run in runs.items():
        val = _patients(run.val_predictions, sequences)
        for col in [*(f"p_{s}" for s in sequences), "p_soft"]:
            rows.append({"fold": int(fold), "column": col,
                         "threshold": youden_threshold(val["label"], val[col]),
                         "val_patients": len(val)})
    return pd.DataFrame(rows)


def thresholded(frame: pd.DataFrame, thresholds: pd.DataFrame, sequences) -> pd.DataFrame:
    """Test patients graded at their fold's thresholds: one row per patient with the mean
    probabilities, ``hgg_<column>`` (0/1) per sequence and soft vote, and the sequences'
    majority ``chosen_vote`` with its vote share ``chosen_score``.

    Args:
        frame: pooled test slice predictions with a ``fold`` column.
        thresholds: :func:`fold_thresholds`.
        sequences: the voting sequences.

    Example:
        >>> seqs = ("t1", "t2", "flair")
        >>> data = gl.prepare_data(gl.get_profile("smoke"))
        >>> cv = gl.training.crossval.cross_validate(data)
        >>> thresholded(cv.predictions, fold_thresholds(cv.runs, seqs), seqs)
    """
    patients = _patients(frame, sequences)
    patients["fold"] = patients["fold"].round().astype(int)
    table = thresholds.pivot(index="fold", columns="column", values="threshold")
    for col in table.columns:
        cut = patients["fold"].map(table[col]).to_numpy()
        patients[f"hgg_{col}"] = (patients[col].to_numpy() >= cut).astype(int)
    cols = [f"p_{s}" for s in sequences]  # the sequences' majority: the one vote, per-fold cuts
    cuts = np.stack([patients["fold"].map(table[c]).to_numpy() for c in cols])
    share, verdict = decide(patients[cols].to_numpy().T, cuts)
    return patients.assign(chosen_score=share, chosen_vote=verdict)


def operating_table(frame: pd.DataFrame, runs: dict, sequences, n_resamples: int = 1000,
                    seed: int = 0) -> pd.DataFrame:
    """Per patient, each sequence, the soft vote and the majority vote at the paper's 0.5 and
    at the validation-chosen thresholds, with patient-bootstrap intervals (long format, a
    ``rule`` column; :func:`glioma_lib.evaluation.tables.metric_table`).

    Args:
        frame: pooled test slice predictions with a ``fold`` column.
        runs: fold → run with ``val_predictions``.
        sequences: the voting sequences.
        n_resamples, seed: the patient bootstrap.

    Example:
        >>> data = gl.prepare_data(gl.get_profile("smoke"))
        >>> cv = gl.training.crossval.cross_validate(data)
        >>> operating_table(cv.predictions, cv.runs, ("t1", "t2", "flair"))
    """
    from .tables import metric_table

    chosen = fold_thresholds(runs, sequences)
    names = {f"p_{s}": SEQUENCE_NAMES.get(s, s) for s in sequences} | {"p_soft": "soft vote"}
    models = {name: (col, f"hgg_{col}") for col, name in names.items()} | {
        "vote": ("chosen_score", "chosen_vote")}
    # the paper's rule is the same grading with every fold's thresholds at 0.5
    return pd.concat([metric_table(thresholded(frame, cuts, sequences), models, rule=rule,
                                   n_resamples=n_resamples, seed=seed)
                      for rule, cuts in ((FIXED, chosen.assign(threshold=0.5)),
                                         (CHOSEN, chosen))], ignore_index=True)
