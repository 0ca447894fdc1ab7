"""Confusion counts, sensitivity, specificity, accuracy, precision, F1 and ROC-AUC.

Positive class = HGG (label 1). Fractions, not percent.
"""

from __future__ import annotations

import numpy as np
from sklearn.metrics import confusion_matrix, roc_auc_score, roc_curve


def _ratio(num: float, den: float) -> float:
    return float(num / den) if den else float("nan")


def confusion_report(tp: int, fp: int, tn: int, fn: int) -> dict[str, float]:
    """Sensitivity, specificity, accuracy, precision and F1 from the four counts (NaN where
    a rate's denominator is zero).

    Args:
        tp, fp, tn, fn: the confusion counts (positive = HGG).

    Example:
        >>> r = confusion_report(tp=8, fp=1, tn=3, fn=2)
        >>> r["sensitivity"], r["specificity"], round(r["accuracy"], 3), round(r["f1"], 3)
        (0.8, 0.75, 0.786, 0.842)
    """
    precision = _ratio(tp, tp + fp)
    sensitivity = _ratio(tp, tp + fn)
    return {
        "sensitivity": sensitivity,
        "specificity": _ratio(tn, tn + fp),
        "accuracy": _ratio(tp + tn, tp + fp + tn + fn),
        "precision": precision,
        "f1": _ratio(2 * tp, 2 * tp + fp + fn),
    }


def report(labels, scores, threshold: float = 0.5, predicted=None) -> dict[str, float]:
    """TP, FP, TN, FN, the rates of :func:`confusion_report` and ROC-AUC.

    ``predicted`` (0/1) overrides ``scores >= threshold`` for the counts (a hard vote);
    the AUC always uses ``scores`` and is NaN where the labels hold one class only. Every
    score of the book is computed here.

    Args:
        labels: 0/1 (1 = HGG).
        scores: HGG probabilities (or any score that ranks).
        threshold: the decision threshold on ``scores``.
        predicted: 0/1 decisions that replace ``scores >= threshold``.

    Example:
        >>> r = report([0, 0, 1, 1], [0.2, 0.6, 0.7, 0.9])
        >>> r["TP"], r["FP"], r["accuracy"], r["auc"]
        (2, 1, 0.75, 1.0)
        >>> report([1, 1], [0.2, 0.9])["auc"]  # one class: no ROC
        nan
    """
    labels = np.asarray(labels).astype(int)
    scores = np.asarray(scores, dtype=float)
    pred = (scores >= threshold).astype(int) if predicted is None else np.asarray(predicted)
    tn, fp, fn, tp = confusion_matrix(labels, pred, labels=[0, 1]).ravel()
    out = {"TP": int(tp), "FP": int(fp), "TN": int(tn), "FN": int(fn)}
    out.update(confusion_report(tp, fp, tn, fn))
    out["auc"] = float(roc_auc_score(labels, scores)) if len(set(labels)) == 2 else float("nan")
    return out


def roc(labels, scores) -> tuple[np.ndarray, np.ndarray]:
    """False- and true-positive rates of the ROC curve.

    Args:
        labels: 0/1 (1 = HGG).
        scores: HGG scores.

    Example:
        >>> fpr, tpr = roc([0, 0, 1, 1], [0.2, 0.6, 0.7, 0.9])
        >>> fpr.tolist(), tpr.tolist()
        ([0.0, 0.0, 0.0, 1.0], [0.0, 0.5, 1.0, 1.0])
    """
    fpr, tpr, _ = roc_curve(np.asarray(labels).astype(int), np.asarray(scores, dtype=float))
    return fpr, tpr
