"""Tests of glioma_lib.reporting.captions."""

from __future__ import annotations

import pytest

from glioma_lib.config import get_profile
from glioma_lib.data.brats import index_cohort
from glioma_lib.reporting.captions import caption, cohort_table, sample_size_caveat


def test_sample_size_caveat_speaks_up_for_small_test_sets():
    assert "no conclusion" in sample_size_caveat(4)
    assert "no conclusion" not in sample_size_caveat(50)


class _Model:  # what a trained network carries: its card and its weights note
    def __init__(self, precision: str, weights_note: str):
        self.card, self.weights_note = {"precision": precision}, weights_note


class _Run:
    def __init__(self, **models):
        self.runs = {k: type("SequenceRun", (), {"model": m})() for k, m in models.items()}


def test_caption_reads_weights_and_precision_from_the_model_cards():
    run = _Run(t1=_Model("fp32", "random init"), flair=_Model("fp32", "random init"))
    text = caption(get_profile("smoke"), "synthetic", run)
    old_card = "trained on a machine and commit not recorded (an older model card)"
    assert text.endswith(f"weights: random init; fp32; {old_card}") and "smoke" in text
    mixed = _Run(t1=_Model("bf16 autocast", "ImageNet"))
    mixed.runs["t1"].model.card["trained_on"] = {"cpu_capability": "AVX2", "gpu": None,
                                                 "commit": "abc1234"}
    assert caption(get_profile("smoke"), "synthetic", run, {"cv": mixed}).endswith(
        "weights: ImageNet; random init; bf16 autocast; fp32; trained on CPU AVX2, commit "
        "abc1234 (clean); a machine and commit not recorded (an older model card)")  # both
    assert "weights: see table; fp32" in caption(get_profile("smoke"), "x", run,
                                                  weights="see table")
    assert "weights" not in caption(get_profile("smoke"), "synthetic")
    with pytest.raises(TypeError, match="not a trained run"):
        caption(get_profile("smoke"), "synthetic", "random init")


def test_made_by_takes_the_functions_themselves():
    from glioma_lib.evaluation.tables import table2
    from glioma_lib.reporting.captions import made_by

    assert made_by(table2, cohort_table) == ("\nMade by glioma_lib.evaluation.tables.table2, "
                                             "glioma_lib.reporting.captions.cohort_table.")
    with pytest.raises(TypeError, match="functions themselves"):
        made_by("evaluation.tables.table2")  # a string can go stale: refused
    with pytest.raises(TypeError):
        made_by(len)  # not glioma_lib's


def test_cohort_table(cohort_2019):
    table = cohort_table(index_cohort(cohort_2019))
    assert table.loc["LGG", "patients"] == 2 and table.loc["total", "patients"] == 5


def test_augmentation_text_follows_the_profile():
    from glioma_lib.reporting.captions import augmentation_text

    assert "offline 6×" in augmentation_text(get_profile("paper"))
    assert "online augmentation only" in augmentation_text(get_profile("default"))
