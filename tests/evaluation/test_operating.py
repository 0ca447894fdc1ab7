"""Tests of glioma_lib.evaluation.operating."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from glioma_lib.evaluation.operating import (
    CHOSEN,
    FIXED,
    fold_thresholds,
    operating_table,
    thresholded,
    youden_threshold,
)

SEQS = ("t1", "t2", "flair")


def _slices(patients: list[tuple[str, int, float]], fold: int | None = None, n: int = 3):
    rows = []
    for pid, label, p in patients:
        for k in range(n):
            rows.append({"patient_id": pid, "label": label, "fold": fold,
                         **{f"p_{s}": p + 0.01 * k for s in SEQS}})
    frame = pd.DataFrame(rows)
    return frame if fold is not None else frame.drop(columns="fold")


def _cv(seed: int = 0):
    """Two folds whose networks say > 0.5 for everyone but rank LGG below HGG."""
    rng = np.random.default_rng(seed)
    runs, tests = {}, []
    for fold in (0, 1):
        val = [(f"v{fold}{i}", int(i >= 3), 0.6 + 0.1 * (i >= 3) + rng.uniform(0, 0.05))
               for i in range(6)]
        test = [(f"t{fold}{i}", int(i >= 4), 0.6 + 0.1 * (i >= 4) + rng.uniform(0, 0.05))
                for i in range(8)]
        runs[fold] = SimpleNamespace(val_predictions=_slices(val))
        tests.append(_slices(test, fold))
    return runs, pd.concat(tests, ignore_index=True)


def test_youden_threshold_separates_and_falls_back_to_half():
    assert youden_threshold([0, 0, 1, 1], [0.6, 0.7, 0.8, 0.9]) == pytest.approx(0.8)
    assert youden_threshold([1, 1, 1], [0.6, 0.7, 0.8]) == 0.5


def test_a_folds_threshold_never_depends_on_its_test_patients():
    runs, test = _cv()
    before = fold_thresholds(runs, SEQS)
    permuted = test.assign(label=np.random.default_rng(1).permutation(test["label"]))
    permuted[[f"p_{s}" for s in SEQS]] = 1 - permuted[[f"p_{s}" for s in SEQS]]
    assert fold_thresholds(runs, SEQS).equals(before)  # only validation patients enter
    assert set(before["fold"]) == {0, 1} and (before["threshold"] > 0.6).all()
    graded = thresholded(test, before, SEQS)
    assert len(graded) == 16 and graded["chosen_vote"].isin([0, 1]).all()


def test_chosen_thresholds_stop_calling_everyone_hgg():
    runs, test = _cv()
    table = operating_table(test, runs, SEQS, n_resamples=50, seed=0)
    spec = table[(table["metric"] == "specificity") & (table["model"] == "vote")]
    assert spec.loc[spec["rule"] == FIXED, "value"].item() == 0.0  # 0.5: every patient HGG
    assert spec.loc[spec["rule"] == CHOSEN, "value"].item() > 0.5
