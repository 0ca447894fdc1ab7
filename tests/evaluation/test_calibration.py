"""Tests of glioma_lib.evaluation.calibration."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from glioma_lib.evaluation import calibration


def test_calibration_bins_and_brier():
    labels = np.array([0, 0, 1, 1, 1, 0])
    probs = np.array([0.05, 0.15, 0.95, 0.85, 0.55, 0.45])
    bins = calibration.calibration_bins(labels, probs, n_bins=5)
    assert len(bins) == 5 and bins["n"].sum() == 6
    assert bins.loc[2, "n"] == 2 and bins.loc[2, "frac_hgg"] == 0.5  # 0.45 and 0.55
    assert bins.loc[4, "frac_hgg"] == 1.0 and np.isnan(bins.loc[1, "mean_prob"])
    assert calibration.brier([0, 1], [0.0, 1.0]) == 0
    assert calibration.brier([0, 1], [0.5, 0.5]) == pytest.approx(0.25)
    perfect = calibration.calibration_bins([0, 1], [0.0, 1.0], n_bins=2)
    assert calibration.expected_calibration_error(perfect) == 0
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        calibration.calibration_bins([0, 1], [0.2, 1.3])


def test_calibration_summary_one_row_per_model():
    frame = pd.DataFrame({"label": [0, 0, 1, 1], "a": [0.1, 0.2, 0.8, 0.9],
                          "b": [0.5, 0.5, 0.5, 0.5]})
    models = {"A": ("a", None), "B": ("b", None)}
    curves, table = calibration.calibration_summary(frame, models, n_bins=2)
    assert list(table.index) == ["A", "B"] and set(curves) == {"A", "B"}
    assert table.loc["B", "Brier"] == pytest.approx(0.25)
    assert table.loc["A", "Brier"] < table.loc["B", "Brier"]
    assert len(curves["A"][0]) == 2
