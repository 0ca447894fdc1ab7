"""Confidence intervals that resample patients, not slices, and a paired comparison.

The 20 slices of one patient are not independent observations: resampling slices would give
intervals far too narrow. Every interval here comes from :func:`scipy.stats.bootstrap` over
*patients*, stratified by grade (LGG and HGG patients are resampled separately, so every
resample holds both classes and its AUC is defined), with the percentile method. A frame
with too few patients to resample, or with one grade only (a tiny real cohort), gives NaN
intervals rather than invented ones.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.stats import DegenerateDataWarning, bootstrap

from .metrics import report

METRICS = ("accuracy", "sensitivity", "specificity", "f1", "auc")


class _Patients:
    """Row indices of a prediction frame grouped by patient, split by grade."""

    def __init__(self, frame: pd.DataFrame, label: str, by: str):
        codes, uniques = pd.factorize(frame[by])
        order = np.argsort(codes, kind="stable")
        bounds = np.searchsorted(codes[order], np.arange(len(uniques) + 1))
        self.rows = [order[bounds[i]:bounds[i + 1]] for i in range(len(uniques))]
        first = np.asarray(frame[label])[order[bounds[:-1]]].astype(int)
        self.by_grade = tuple(np.flatnonzero(first == g) for g in (0, 1))

    @property
    def both_grades(self) -> bool:
        return all(len(g) > 0 for g in self.by_grade)

    def take(self, *samples) -> np.ndarray:
        return np.concatenate([self.rows[int(i)] for s in samples for i in s])


@dataclass
class _Interval:
    low: np.ndarray
    high: np.ndarray
    distribution: np.ndarray


def _interval(stat: Callable, patients: _Patients, n_resamples: int, confidence: float,
              seed: int) -> _Interval:
    """Stratified bootstrap; a grade with a single patient keeps it in every resample, and
    with no grade to resample the interval is undefined (NaN)."""
    groups = [g for g in patients.by_grade if len(g) > 1]
    fixed = [g for g in patients.by_grade if len(g) == 1]
    if not groups or not patients.both_grades:  # nothing to resample, or one grade only
        value = np.asarray(stat(*patients.by_grade), dtype=float)
        nan = np.full_like(value, np.nan)
        return _Interval(nan, nan, value[..., None])
    res = bootstrap(groups, lambda *s: stat(*s, *fixed), n_resamples=n_resamples,
                    vectorized=False, paired=False, confidence_level=confidence,
                    method="percentile", rng=np.random.default_rng(seed))
    return _Interval(np.asarray(res.confidence_interval.low),
                     np.asarray(res.confidence_interval.high),
                     np.asarray(res.bootstrap_distribution))


def patient_bootstrap(frame: pd.DataFrame, score: str, predicted: str | None = None,
                      label: str = "label", by: str = "patient_id",
                      metrics: tuple[str, ...] = METRICS, n_resamples: int = 1000,
                      confidence: float = 0.95, seed: int = 0) -> pd.DataFrame:
    """Each metric of ``report`` with a patient-resampled confidence interval.

    ``frame`` has one row per prediction (slice or patient) with a ``by`` column; ``score`` is
    the HGG probability column, ``predicted`` an optional 0/1 column (a hard vote).
    Returns one row per metric: ``value`` (on the frame itself), ``low``, ``high``.
    """
    patients = _Patients(frame, label, by)
    y = np.asarray(frame[label]).astype(int)
    s = np.asarray(frame[score], dtype=float)
    hard = None if predicted is None else np.asarray(frame[predicted]).astype(int)

    def values(rows) -> np.ndarray:
        r = report(y[rows], s[rows], predicted=None if hard is None else hard[rows])
        return np.array([r[m] for m in metrics])

    res = _interval(lambda a, b: values(patients.take(a, b)), patients, n_resamples,
                    confidence, seed)
    return pd.DataFrame({"value": values(np.arange(len(y))),
                         "low": np.atleast_1d(res.low), "high": np.atleast_1d(res.high)},
                        index=pd.Index(metrics, name="metric"))


def paired_bootstrap(frame: pd.DataFrame, score_a: str, score_b: str, metric: str = "auc",
                     label: str = "label", by: str = "patient_id", n_resamples: int = 1000,
                     confidence: float = 0.95, seed: int = 0) -> dict[str, float]:
    """Difference ``metric(a) - metric(b)`` on the same resampled patients.

    Returns the observed difference, its interval and a two-sided bootstrap p-value (twice
    the smaller share of resampled differences on either side of zero).

    Args:
        frame: one row per patient (or per slice, resampled by ``by``) holding both scores.
        score_a, score_b: the two score columns.
        metric: a key of :func:`~.metrics.report` (``"auc"``, ``"accuracy"``, ...).
        label, by: the label column and the patient column.
        n_resamples, confidence, seed: the bootstrap.

    Example:
        >>> frame = pd.DataFrame({"patient_id": list("abcdef"), "label": [1, 1, 1, 0, 0, 0],
        ...                       "p": [.9, .8, .7, .3, .2, .1], "q": [.9, .2, .7, .3, .8, .1]})
        >>> round(paired_bootstrap(frame, "p", "q", n_resamples=100)["difference"], 3)
        0.333
    """
    patients = _Patients(frame, label, by)
    y = np.asarray(frame[label]).astype(int)
    a = np.asarray(frame[score_a], dtype=float)
    b = np.asarray(frame[score_b], dtype=float)

    def diff(rows) -> float:
        return report(y[rows], a[rows])[metric] - report(y[rows], b[rows])[metric]

    res = _interval(lambda u, v: diff(patients.take(u, v)), patients, n_resamples,
                    confidence, seed)
    dist = res.distribution
    p = min(1.0, 2 * min(np.mean(dist <= 0), np.mean(dist >= 0)))
    return {"difference": float(diff(np.arange(len(y)))),
            "low": float(res.low), "high": float(res.high), "p_value": float(p),
            "n_patients": len(patients.rows)}


def paired_difference(a: pd.DataFrame, b: pd.DataFrame, score: str, metric: str = "auc",
                      label: str = "label", by: str = "patient_id", n_resamples: int = 1000,
                      seed: int = 0) -> dict[str, float] | None:
    """``metric`` of run ``a`` minus that of run ``b`` on the patients both hold, paired
    (:func:`paired_bootstrap`), or None where those patients hold one grade only (the metric
    is then undefined): the one way two runs' per-patient scores are compared.

    Args:
        a: run a's per-patient rows (``by``, ``label``, ``score``).
        b: run b's per-patient rows (``by``, ``score``; its labels are a's).
        score: the score column both hold.
        metric, label, by: as in :func:`paired_bootstrap`.
        n_resamples, seed: the bootstrap.

    Example:
        >>> a = pd.DataFrame({"patient_id": list("abcd"), "label": [1, 1, 0, 0],
        ...                   "p": [.9, .8, .2, .1]})
        >>> paired_difference(a, a.assign(p=[.1, .8, .2, .9]), "p", n_resamples=50)["difference"]
        0.75
    """
    both = a[[by, label, score]].merge(b[[by, score]], on=by, suffixes=("_a", "_b"))
    if both[label].nunique() < 2:
        return None
    return paired_bootstrap(both, f"{score}_a", f"{score}_b", metric, label, by,
                            n_resamples=n_resamples, seed=seed)


def row_interval(stat: Callable[[np.ndarray], float], n: int, n_resamples: int = 1000,
                 seed: int = 0, confidence: float = 0.95) -> tuple[float, float]:
    """Percentile bootstrap interval of ``stat(rows)`` over ``n`` independent rows (one per
    patient; not stratified): for statistics the stratified :func:`patient_bootstrap` does
    not cover, such as a many-site classifier's accuracy. A resample on which ``stat`` is
    undefined (NaN) makes the interval NaN rather than narrower.

    Args:
        stat: row indices → the statistic.
        n: the number of rows.
        n_resamples, seed, confidence: the bootstrap.

    Example:
        >>> hits = np.array([1, 1, 0, 1, 0, 1, 1, 1])
        >>> low, high = row_interval(lambda i: hits[i].mean(), len(hits), n_resamples=200)
        >>> bool(low < hits.mean() < high)
        True
    """
    with warnings.catch_warnings():  # a resample with an undefined statistic: NaN interval
        warnings.simplefilter("ignore", DegenerateDataWarning)
        res = bootstrap((np.arange(n),), lambda i: stat(i.astype(int)), n_resamples=n_resamples,
                        vectorized=False, method="percentile", confidence_level=confidence,
                        rng=np.random.default_rng(seed))
    return float(res.confidence_interval.low), float(res.confidence_interval.high)


#: No-break space: a number and its unit, and an interval, stay on one line in a table cell.
NBSP = "\u00a0"


def format_interval(value: float, low: float, high: float, percent: bool = True) -> str:
    """``"91.2 % [85.0, 96.1]"`` (percent: the unit once, after the value; or plain decimals);
    ``[n/a]`` for an undefined interval.

    The spaces are no-break spaces but the one between the value and its interval, so a
    narrow table column shows the interval on a second line and never splits the interval
    itself (or a number from its unit).

    Args:
        value, low, high: the estimate and its interval.
        percent: percent (else 3 decimals).

    Example:
        >>> format_interval(0.5, 0.4, 0.6).replace(NBSP, " ")
        '50.0 % [40.0, 60.0]'
        >>> format_interval(0.91, 0.85, 0.96, percent=False).replace(NBSP, " ")
        '0.910 [0.850, 0.960]'
    """
    if np.isnan(low) or np.isnan(high):
        text = (f"{value:.1%}" if percent else f"{value:.3f}").replace("%", " %") + " [n/a]"
    elif percent:  # the unit once, after the value: "91.2 % [85.0, 96.1]"
        text = f"{value:.1%}".replace("%", " %") + f" [{100 * low:.1f}, {100 * high:.1f}]"
    else:
        text = f"{value:.3f} [{low:.3f}, {high:.3f}]"
    value_text, interval = text.split(" [", 1)
    return value_text.replace(" ", NBSP) + " [" + interval.replace(" ", NBSP)
