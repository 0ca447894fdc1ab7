"""Tests of glioma_lib.reporting.origin: which CPU and commit every caption names."""

from __future__ import annotations

import json

import torch

from glioma_lib.config import build_origin, checkout_commit
from glioma_lib.reporting.origin import (
    built_line,
    commit_text,
    measured_line,
    origin_text,
    trained_text,
    tree_state,
)


def test_commit_text_says_clean_modified_or_missing():
    assert commit_text("abc1234") == "commit abc1234 (clean)"
    assert commit_text("abc1234+changes") == "commit abc1234 with uncommitted changes"
    assert commit_text("abc1234", clean=False) == "commit abc1234 with uncommitted changes"
    assert commit_text("abc1234", clean=True) == "commit abc1234 (clean)"
    for missing in (None, "", "+changes", "unknown"):
        assert commit_text(missing) == "no commit recorded"


def test_origin_names_the_cpu_capability_and_a_gpu_only_when_one_computed():
    assert origin_text({"cpu_capability": "AVX2", "commit": "abc1234"}) == \
        "CPU AVX2, commit abc1234 (clean)"
    assert origin_text({"cpu_capability": "AVX512", "device": "NVIDIA H200",
                        "commit": None}) == "CPU AVX512, GPU NVIDIA H200, no commit recorded"
    assert "GPU" not in origin_text({"cpu_capability": "AVX2", "gpu": {"hours": 1},
                                     "device": "cpu", "commit": "x"})  # not a GPU's name
    assert origin_text({}) == "CPU not recorded, no commit recorded"


def test_built_line_is_this_process_and_checkout():
    origin = build_origin()
    assert origin["cpu_capability"] == torch.backends.cpu.get_cpu_capability()
    assert origin["commit"] == checkout_commit()
    line = built_line()
    assert line.startswith(f"Built on CPU {origin['cpu_capability']}, ")
    assert (origin["commit"] or "no commit").split("+")[0] in line


def test_trained_text_says_each_origin_once_and_names_older_cards():
    here = {"cpu_capability": "AVX2", "gpu": None, "commit": "abc1234"}
    cards = [{"trained_on": here}, {"trained_on": dict(here)},
             {"trained_on": {**here, "commit": "def5678+changes"}}, {}]
    assert trained_text(cards) == (
        "trained on CPU AVX2, commit abc1234 (clean); CPU AVX2, commit def5678 with "
        "uncommitted changes; a machine and commit not recorded (an older model card)")


def test_measured_line_reads_each_results_envelope(tmp_path):
    (tmp_path / "a.json").write_text(json.dumps(
        {"cpu_capability": "AVX2", "commit": "abc1234", "clean": False}))
    line = measured_line(tmp_path / "a.json", tmp_path / "none.json")
    assert line == ("Measured: a.json on CPU AVX2, commit abc1234 with uncommitted changes; "
                    "none.json not measured.")


def test_every_exhibit_caption_ends_with_the_build_and_its_measured_results(tmp_path):
    from glioma_lib.reporting.exhibit import _caption, markdown_table

    (tmp_path / "a.json").write_text(json.dumps({"cpu_capability": "AVX2", "commit": "c0ffee1",
                                                 "clean": True}))
    text = _caption("A table.", (markdown_table,), [tmp_path / "a.json"])
    assert text.startswith("A table. Made by glioma_lib.reporting.exhibit.markdown_table. "
                           "Measured: a.json on CPU AVX2, commit c0ffee1 (clean). Built on ")
    assert _caption("A figure.", ()).startswith("A figure. Built on CPU ")


def test_tree_state_is_the_one_reading_of_a_recorded_commit():
    from glioma_lib.reporting.provenance import provenance_problems

    assert tree_state("abc1234") == ("abc1234", False)
    assert tree_state("abc1234+changes") == ("abc1234", True)
    assert tree_state("abc1234", clean=False) == ("abc1234", True)
    assert tree_state(None) is None and tree_state("unknown") is None
    assert provenance_problems({"commit": "abc1234", "clean": False}) == [
        "measured on a modified tree (abc1234 with uncommitted changes)"]
    assert provenance_problems({"commit": "unknown"}) == ["no commit recorded"]
