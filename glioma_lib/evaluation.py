"""Tables of the evaluation chapters: votes added to a prediction frame, metrics with
patient-bootstrap intervals for several models, and the wide display of such tables."""

from __future__ import annotations

import numpy as np
import pandas as pd

from . import vote
from .paper import SEQUENCE_NAMES
from .uncertainty import METRICS, format_interval, patient_bootstrap

VOTE = "vote"


def with_votes(frame: pd.DataFrame, sequences) -> pd.DataFrame:
    """Add the combined model: ``p_vote`` (mean probability, its ROC score) and ``hard_vote``
    (the paper's majority of the sequences' 0/1 decisions)."""
    probs = np.stack([frame[f"p_{s}"].to_numpy() for s in sequences])
    return frame.assign(p_vote=vote.soft(probs), hard_vote=vote.majority((probs >= 0.5)
                                                                         .astype(int)))


def model_columns(sequences, hard_vote: bool = True) -> dict[str, tuple[str, str | None]]:
    """Display name → (score column, optional 0/1 column) for each sequence and the vote."""
    cols = {SEQUENCE_NAMES.get(s, s): (f"p_{s}", None) for s in sequences}
    cols[VOTE] = ("p_vote", "hard_vote" if hard_vote else None)
    return cols


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
