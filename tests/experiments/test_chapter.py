"""Tests of glioma_lib.experiments.chapter."""

from __future__ import annotations


def test_open_chapter_without_data_is_cheap_and_takes_the_seed():
    from glioma_lib.experiments.chapter import open_chapter

    ch = open_chapter("paper", seed=7, data=False)
    assert ch.profile.seed == 7 and ch.data is None
    assert ch.caption() == "profile paper; data: none; 20 slices/patient at 224 px"


def test_open_chapter_prepares_the_data(cohort_2019, tmp_path, monkeypatch):
    from glioma_lib.experiments.chapter import open_chapter

    monkeypatch.setenv("GLIOMA_RESULTS", str(tmp_path / "results"))
    ch = open_chapter("smoke", cohort_2019)
    assert len(ch.data.cohort) == 5 and ch.source.startswith("BraTS (MICCAI_BraTS_2019")
    assert ch.caption().endswith("64 px")
