"""Tests of glioma_lib.reporting.captions."""

from __future__ import annotations

from glioma_lib.config import get_profile
from glioma_lib.data.brats import index_cohort
from glioma_lib.reporting.captions import caption, cohort_table, sample_size_caveat


def test_sample_size_caveat_speaks_up_for_small_test_sets():
    assert "no conclusion" in sample_size_caveat(4)
    assert "no conclusion" not in sample_size_caveat(50)


def test_caption_names_profile_data_and_weights():
    text = caption(get_profile("smoke"), "synthetic", "random init")
    assert "smoke" in text and "synthetic" in text and "random init" in text


def test_cohort_table(cohort_2019):
    table = cohort_table(index_cohort(cohort_2019))
    assert table.loc["LGG", "patients"] == 2 and table.loc["total", "patients"] == 5


def test_augmentation_text_follows_the_profile():
    from glioma_lib.reporting.captions import augmentation_text

    assert "offline 6×" in augmentation_text(get_profile("paper"))
    assert "online augmentation only" in augmentation_text(get_profile("default"))
