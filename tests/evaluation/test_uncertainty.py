"""Tests of glioma_lib.evaluation.uncertainty."""

from __future__ import annotations

import numpy as np
import pandas as pd
from conftest import slice_frame

from glioma_lib.evaluation.uncertainty import format_interval, paired_bootstrap, patient_bootstrap


def test_patient_bootstrap_interval_contains_value_and_ignores_slice_copies():
    frame = slice_frame()
    ci = patient_bootstrap(frame, "p", n_resamples=300, seed=1)
    assert list(ci.index) == ["accuracy", "sensitivity", "specificity", "f1", "auc"]
    assert ((ci["low"] <= ci["value"]) & (ci["value"] <= ci["high"])).all()
    assert (ci["high"] - ci["low"] > 0).all()
    # Copying every slice 4× adds no information: resampling patients keeps the width.
    copies = pd.concat([frame] * 4, ignore_index=True)
    ci4 = patient_bootstrap(copies, "p", n_resamples=300, seed=1)
    np.testing.assert_allclose(ci4[["low", "high"]], ci[["low", "high"]], atol=1e-9)


def test_patient_bootstrap_without_both_grades_or_patients_gives_no_interval():
    frame = slice_frame()
    one_grade = patient_bootstrap(frame[frame["label"] == 1], "p", n_resamples=50)
    assert one_grade["low"].isna().all() and np.isnan(one_grade.loc["auc", "value"])
    assert one_grade.loc["sensitivity", "value"] > 0
    two = frame[frame["patient_id"].isin(["P000", "P020"])]
    ci = patient_bootstrap(two, "p", n_resamples=50)
    assert ci["low"].isna().all() and ci["value"].notna().all()
    one_lgg = frame[(frame["label"] == 1) | (frame["patient_id"] == "P000")]
    assert patient_bootstrap(one_lgg, "p", n_resamples=50)["low"].notna().all()


def test_hard_predictions_override_the_threshold():
    frame = slice_frame().assign(always_hgg=1)
    ci = patient_bootstrap(frame, "p", "always_hgg", n_resamples=50)
    assert ci.loc["sensitivity", "value"] == 1.0 and ci.loc["specificity", "value"] == 0.0


def test_paired_bootstrap():
    frame = slice_frame(skill=3.0)
    same = paired_bootstrap(frame.assign(q=frame["p"]), "p", "q", n_resamples=200)
    assert same["difference"] == 0 and same["p_value"] == 1.0
    noise = np.random.default_rng(0).random(len(frame))
    better = paired_bootstrap(frame.assign(q=noise), "p", "q", n_resamples=500)
    assert better["difference"] > 0.3 and better["low"] > 0 and better["p_value"] < 0.01
    assert better["n_patients"] == 30


def test_format_interval():
    nb = "\u00a0"  # the interval may go to a second line, never be split itself
    assert format_interval(0.5, 0.25, 0.75) == f"50.0{nb}% [25.0,{nb}75.0]"
    assert format_interval(0.5, np.nan, np.nan, percent=False) == "0.500 [n/a]"
    assert format_interval(0.123, 0.1, 0.2).count(" ") == 1  # one place to break a line
