"""Tests of glioma_lib.evaluation.metrics."""

import numpy as np
import pytest

from glioma_lib import paper
from glioma_lib.evaluation import metrics


@pytest.mark.parametrize("model", ["T1WI", "T2WI", "FLAIR", "vote"])
def test_papers_counts_give_its_printed_percentages(model):
    row = paper.TABLE2.loc[model]
    got = metrics.confusion_report(row.TP, row.FP, row.TN, row.FN)
    for key in ("sensitivity", "specificity", "accuracy", "f1"):
        assert got[key] == pytest.approx(row[key], abs=6e-5), key


def test_report_from_labels_and_scores():
    labels = [1, 1, 0, 0, 1]
    scores = [0.9, 0.4, 0.2, 0.6, 0.8]
    r = metrics.report(labels, scores)
    assert (r["TP"], r["FP"], r["TN"], r["FN"]) == (2, 1, 1, 1)
    assert r["auc"] == pytest.approx(5 / 6)
    hard = metrics.report(labels, scores, predicted=[1, 1, 0, 0, 1])
    assert hard["accuracy"] == 1.0 and (hard["TP"], hard["FN"]) == (3, 0)
    fpr, tpr = metrics.roc(labels, scores)
    assert fpr[0] == 0 and tpr[-1] == 1
    assert np.isnan(metrics.confusion_report(0, 0, 5, 0)["sensitivity"])
