"""Tables of the evaluation chapters: votes added to a prediction frame, metrics with
patient-bootstrap intervals for several models, and the wide display of such tables."""

from __future__ import annotations

import numpy as np
import pandas as pd

from . import vote
from .paper import SEQUENCE_NAMES
from .uncertainty import METRICS, format_interval, patient_bootstrap

VOTE = "vote"
SOFT_VOTE = "soft vote"


def with_votes(frame: pd.DataFrame, sequences) -> pd.DataFrame:
    """Add the combined models: ``hard_vote`` (the paper's majority of the sequences' 0/1
    decisions), ``p_vote`` (the share of sequences voting HGG: the hard vote's ROC score) and
    ``p_soft`` (the soft vote: mean probability, a model of its own)."""
    probs = np.stack([frame[f"p_{s}"].to_numpy() for s in sequences])
    votes = (probs >= 0.5).astype(int)
    return frame.assign(p_vote=vote.fraction(votes), hard_vote=vote.majority(votes),
                        p_soft=vote.soft(probs))


def model_columns(sequences, soft_vote: bool = True) -> dict[str, tuple[str, str | None]]:
    """Display name → (score column, optional 0/1 column) for each sequence, the hard vote
    (scored by its vote fraction) and, unless ``soft_vote=False``, the soft vote."""
    cols = {SEQUENCE_NAMES.get(s, s): (f"p_{s}", None) for s in sequences}
    cols[VOTE] = ("p_vote", "hard_vote")
    if soft_vote:
        cols[SOFT_VOTE] = ("p_soft", None)
    return cols


def choose_on_validation(val_frame: pd.DataFrame, candidates: dict[str, str],
                         by: str = "patient_id") -> tuple[str, pd.Series]:
    """The candidate with the highest patient-level AUC on the *validation* split.

    ``candidates`` maps a display name to a probability column of ``val_frame`` (slice
    predictions); patients are graded by their mean slice probability. Returns the chosen
    name and every candidate's validation AUC (ties: the first candidate). A validation split
    with one grade only (a tiny cohort) cannot choose: the AUCs are NaN and the first
    candidate is returned.
    """
    from sklearn.metrics import roc_auc_score

    patients = vote.patient_mean(val_frame, list(candidates.values()), by=by)
    if patients["label"].nunique() < 2:
        nan = pd.Series(float("nan"), index=list(candidates), name="validation AUC")
        return next(iter(candidates)), nan
    aucs = pd.Series({name: roc_auc_score(patients["label"], patients[col])
                      for name, col in candidates.items()}, name="validation AUC")
    return str(aucs.idxmax()), aucs


def metric_table(frame: pd.DataFrame, models: dict[str, tuple[str, str | None]],
                 n_resamples: int = 1000, seed: int = 0, **labels) -> pd.DataFrame:
    """Long table: one row per model and metric with ``value``, ``low``, ``high``.

    Extra keyword arguments become constant columns (e.g. ``protocol="patient"``).
    """
    parts = []
    for name, (score, predicted) in models.items():
        ci = patient_bootstrap(frame, score, predicted, n_resamples=n_resamples, seed=seed)
        parts.append(ci.reset_index().assign(model=name, **labels))
    return pd.concat(parts, ignore_index=True)


def wide(table: pd.DataFrame, rows, metrics=METRICS) -> pd.DataFrame:
    """``metric_table`` output as ``rows`` × metric cells ``"value [low, high]"``."""
    rows = [rows] if isinstance(rows, str) else list(rows)
    cells = table.assign(cell=[format_interval(v, lo, hi) for v, lo, hi in
                               table[["value", "low", "high"]].itertuples(index=False)])
    out = cells.pivot_table(index=rows, columns="metric", values="cell", aggfunc="first",
                            sort=False)
    return out[[m for m in metrics if m in out.columns]]


def gap(table: pd.DataFrame, column: str, high: str, low: str, metric: str = "accuracy"
        ) -> pd.Series:
    """Per model: ``metric`` under ``column == high`` minus under ``column == low``."""
    sub = table[table["metric"] == metric].pivot_table(index="model", columns=column,
                                                       values="value", sort=False)
    return (sub[high] - sub[low]).rename(f"{metric} gap ({high} − {low})")


TABLE2_COLUMNS = ["TP", "FP", "TN", "FN", "sensitivity", "specificity", "accuracy", "f1", "auc"]


def table2(frame: pd.DataFrame, sequences) -> pd.DataFrame:
    """The paper's Table 2 on a prediction frame, ours beside the paper's reported row.

    One row per (model, source): each sequence, the hard ``vote`` (counts from the majority,
    AUC from the vote fraction) and the ``soft vote`` (mean probability; the paper has none).
    """
    from . import metrics, paper

    frame = with_votes(frame, sequences)
    rows = {}
    for name, (score, hard) in model_columns(sequences).items():
        rows[(name, "ours")] = metrics.report(frame["label"], frame[score],
                                              predicted=None if hard is None else frame[hard])
        if name in paper.TABLE2.index:
            rows[(name, "paper")] = paper.TABLE2.loc[name].to_dict()
    return pd.DataFrame(rows).T[TABLE2_COLUMNS]


def roc_curves(frame: pd.DataFrame, sequences) -> dict[str, tuple]:
    """ROC curve per model of :func:`model_columns`: name → (fpr, tpr, auc)."""
    from . import metrics

    frame = with_votes(frame, sequences)
    labels = {VOTE: "vote (vote fraction)", SOFT_VOTE: "soft vote (mean probability)"}
    curves = {}
    for name, (score, _) in model_columns(sequences).items():
        fpr, tpr = metrics.roc(frame["label"], frame[score])
        auc = metrics.report(frame["label"], frame[score])["auc"]
        curves[labels.get(name, name)] = (fpr, tpr, auc)
    return curves
