"""Tests of glioma_lib.evaluation.window."""

from __future__ import annotations

import pytest


def test_auto_window_agreement_table(cohort_2019):
    from glioma_lib.data.brats import index_cohort
    from glioma_lib.evaluation.window import auto_window_agreement

    table = auto_window_agreement(index_cohort(cohort_2019), n_slices=4)
    assert len(table) == 5 and table["found"].all()
    assert (table["overlap"] >= 0.75).all() and (table["tumour_slices"] == 0.75).all()
    sample = auto_window_agreement(index_cohort(cohort_2019), n_slices=4, max_patients=2)
    assert len(sample) == 2 and set(sample["grade"]) == {"HGG", "LGG"}


def test_agreement_summary_per_grade_and_overall():
    import pandas as pd

    from glioma_lib.evaluation.window import agreement_summary

    table = pd.DataFrame({"patient_id": list("abcd"), "grade": ["LGG", "LGG", "HGG", "HGG"],
                          "found": [True, False, True, True], "overlap": [1.0, 0.0, 0.4, 0.6],
                          "tumour_slices": [1.0, 0.0, 0.5, 1.0]})
    summary = agreement_summary(table)
    assert list(summary.index) == ["HGG", "LGG", "all"]
    assert summary.loc["LGG", "window found"] == 0.5
    assert summary.loc["all", "overlap ≥ 50 %"] == 0.5
    assert summary.loc["HGG", "overlap"] == pytest.approx(0.5)
