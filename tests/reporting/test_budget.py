"""Tests of glioma_lib.reporting.budget: book time projected per default-profile option."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from glioma_lib.reporting.budget import (
    closest_to_paper,
    option_table,
    project_book_seconds,
    training_rate,
    training_runs,
)

THROUGHPUT = {"rows": [
    {"backbone": "googlenet", "size": 96, "train_bf16_img_per_s": 160.0},
    {"backbone": "googlenet", "size": 128, "train_bf16_img_per_s": 90.0},
    {"backbone": "googlenet", "size": 224, "train_bf16_img_per_s": 30.0},
    {"backbone": "vgg16", "size": 96, "train_bf16_img_per_s": 40.0,
     "train_fp32_img_per_s": 20.0},
]}


def _model(root, tag, seq, backbone, size, light, epochs, offline, seconds):
    folder = root / tag / seq
    folder.mkdir(parents=True)
    (folder / "model.json").write_text(json.dumps(
        {"sequence": seq, "backbone": backbone, "image_size": size, "light": light,
         "epochs": epochs, "train_seconds": seconds,
         "precision": "fp32" if backbone == "vgg16" else "bf16 autocast"}))
    (folder / "manifest.json").write_text(json.dumps({"training": {"offline_aug": offline}}))


def test_training_runs_reads_every_card(tmp_path):
    _model(tmp_path, "slice", "flair", "googlenet", 96, False, 5, False, 100.0)
    _model(tmp_path, "backbone-vgg16", "flair", "vgg16", 96, True, 3, False, 50.0)
    runs = training_runs(tmp_path)
    assert sorted(runs["run"]) == ["backbone-vgg16", "slice"]
    assert runs["train_seconds"].sum() == 150.0 and runs["light"].sum() == 1
    assert dict(zip(runs["backbone"], runs["precision"], strict=True)) == {
        "googlenet": "bf16", "vgg16": "fp32"}


def test_a_card_without_seconds_is_named(tmp_path):
    _model(tmp_path, "slice", "t1", "googlenet", 96, False, 5, False, 1.0)
    card = tmp_path / "slice" / "t1" / "model.json"
    card.write_text(json.dumps({"sequence": "t1"}))
    with pytest.raises(ValueError, match="model.json: no train_seconds"):
        training_runs(tmp_path)


def test_rates_interpolate_between_measured_sizes():
    assert training_rate(THROUGHPUT, "googlenet", 128) == pytest.approx(90.0)
    mid = training_rate(THROUGHPUT, "googlenet", 160)
    assert 30.0 < mid < 90.0
    # one measured size: rate falls with the pixel count
    assert training_rate(THROUGHPUT, "vgg16", 192) == pytest.approx(10.0)
    assert training_rate(THROUGHPUT, "vgg16", 96, "fp32") == pytest.approx(20.0)
    with pytest.raises(KeyError):
        training_rate(THROUGHPUT, "xception", 96)


def test_projection_scales_training_only():
    runs = pd.DataFrame([
        {"backbone": "googlenet", "image_size": 96, "light": False, "epochs": 5,
         "offline_aug": False, "train_seconds": 100.0},
        {"backbone": "googlenet", "image_size": 96, "light": True, "epochs": 3,
         "offline_aug": False, "train_seconds": 60.0}])
    assert project_book_seconds(runs, 1000, THROUGHPUT, 96, 5, False) == pytest.approx(1000)
    # 10 epochs: the main run doubles, the light run stays
    assert project_book_seconds(runs, 1000, THROUGHPUT, 96, 10, False) == pytest.approx(1100)
    # offline 6× at 1 epoch: 6/5 of the images
    assert project_book_seconds(runs, 1000, THROUGHPUT, 96, 1, True) == pytest.approx(1020)
    # 128 px: both runs slower by 160/90
    assert project_book_seconds(runs, 1000, THROUGHPUT, 128, 5, False) == pytest.approx(
        840 + 160 * 160 / 90)


def test_closest_to_paper_prefers_size_then_offline_then_epochs():
    runs = pd.DataFrame([{"backbone": "googlenet", "image_size": 96, "light": False,
                          "epochs": 5, "offline_aug": False, "train_seconds": 500.0}])
    options = [(96, 5, False), (96, 1, True), (128, 5, False), (128, 1, True),
               (224, 5, False)]
    table = option_table(runs, 1000, THROUGHPUT, options, budget_s=1600)
    assert table.loc[0, "how"] == "measured" and (table["how"] == "projected").sum() == 4
    assert not table.loc[4, "fits"]  # 224 px: 500 s × 160/30 of training
    chosen = closest_to_paper(table)
    assert (chosen["image size (px)"], chosen["offline 6×"]) == (128, True)
    with pytest.raises(ValueError, match="no option fits"):
        closest_to_paper(option_table(runs, 1000, THROUGHPUT, options, budget_s=100))


def test_expected_and_remaining_seconds_scale_by_the_probe():
    from glioma_lib.reporting.budget import expected_seconds, remaining_seconds

    ref = {"probe_img_s": 150.0, "notebooks_s": {"01": 100, "02": 300}, "jupyter_book_s": 6}
    exp = expected_seconds(ref, 75.0)  # half as fast here: twice the time
    assert exp == {"01": 200.0, "02": 600.0, "jupyter-book": 6.0}
    assert remaining_seconds(exp, {}) == pytest.approx(806.0)
    # the first chapter (a quarter of the work) took 1.5x its estimate: the rest alike
    assert remaining_seconds(exp, {"01": 300.0}) == pytest.approx(1.5 * 606.0)
    # a short first chapter (under 15 % of the work) does not rescale the rest yet
    small = {"01": 10.0, "02": 600.0}
    assert remaining_seconds(small, {"01": 30.0}) == pytest.approx(600.0)


def test_reference_build_picks_the_cpu_kind_and_needs_a_probe_and_the_settings(tmp_path):
    import json

    from glioma_lib.config import get_profile
    from glioma_lib.reporting.budget import profile_fingerprint, reference_build

    p = get_profile("default")
    same = profile_fingerprint(p)
    (tmp_path / "book_default.json").write_text(json.dumps(
        {"notebooks_s": {"01": 1}, "profile_fingerprint": same}))
    assert reference_build(p, True, tmp_path) is None  # recorded no probe
    fp32 = {"notebooks_s": {"01": 1}, "probe_img_s": 100.0, "profile_fingerprint": same}
    (tmp_path / "book_default_fp32.json").write_text(json.dumps(fp32))
    assert reference_build(p, False, tmp_path) == fp32
    assert reference_build(get_profile("default", epochs=9), False, tmp_path) is None
    assert profile_fingerprint(get_profile("default", workers=7)) == same


def test_probe_rate_measures_a_positive_rate():
    from glioma_lib.training.probe import probe_rate

    assert probe_rate("mobilenet_v2", 32, 4, "fp32", seconds=0.2) > 0


def test_main_backbone_option_rescales_only_the_main_runs():
    import pandas as pd

    from glioma_lib.reporting.budget import main_backbone_option

    runs = pd.DataFrame({"backbone": ["efficientnet_lite0", "efficientnet_lite0", "googlenet"],
                         "light": [False, True, True], "epochs": [3, 3, 3],
                         "train_seconds": [100.0, 50.0, 40.0]})
    rates = {"efficientnet_lite0": 150.0, "googlenet": 100.0}
    same = main_backbone_option(runs, 1000.0, rates, "efficientnet_lite0",
                                "efficientnet_lite0", 3)
    assert same == pytest.approx(1000.0)
    # GoogLeNet 1.5x slower, 5 epochs instead of 3: the 100 s main run becomes 250 s
    assert main_backbone_option(runs, 1000.0, rates, "efficientnet_lite0", "googlenet",
                                5) == pytest.approx(1150.0)


def test_makespan_schedules_longest_first():
    from glioma_lib.reporting.budget import makespan

    assert makespan([5, 4, 3, 3], 2) == 8.0
    assert makespan([5, 4, 3, 3, 3], 2) == 10.0  # LPT, not the optimum (9): within 4/3
    assert makespan([10, 1, 1], 8) == 10.0  # one long network bounds the wall time
    assert makespan([2.0] * 8, 1) == 16.0


def test_two_builds_compare_chapter_by_chapter_beside_the_probe(tmp_path):
    from glioma_lib.reporting.budget import compare_builds

    def build(name, scale, probe, commit):
        data = {"commit": commit, "cpu_capability": "AVX2", "precision": "fp32",
                "probe_img_s": probe, "cohort_s": 60 * scale, "jupyter_book_s": 12,
                "notebooks_s": {"01_data": 40 * scale, "06_beyond": 800 * scale * 1.1},
                "total_with_cohort_s": (100 + 880) * scale}
        (tmp_path / name).write_text(json.dumps(data))
        return tmp_path / name

    table, text = compare_builds(build("a.json", 1.0, 180.0, "aaa"),
                                 build("b.json", 1.5, 120.0, "bbb"))
    assert table.loc["01_data", "ratio"] == pytest.approx(1.5)
    assert table.loc["jupyter-book", "ratio"] == pytest.approx(1.0)
    assert table.loc["probe (img/s)", "ratio"] == pytest.approx(1.5)
    assert "commit bbb" in text and "1.50× to 1.50×" in text and "differs 1.50×" in text
    assert "its 24.5 min are 16.3 min on the reference machine." in text
    slow = json.loads((tmp_path / "b.json").read_text())
    (tmp_path / "b.json").write_text(json.dumps(
        {**slow, "budget_s": 900, "eta_s": 1500, "eta_over_measured": 1500 / 1470}))
    text = compare_builds(tmp_path / "a.json", tmp_path / "b.json")[1]
    assert "16.3 min on the reference machine, over the 15-minute budget" in text
    assert "said 25 min here (1.02× the time it took)" in text
    missing, says = compare_builds(tmp_path / "a.json", tmp_path / "none.json")
    assert "none.json" in says and "not measured" in missing.iloc[0, 0]


def test_seconds_of_a_slower_machine_are_divided_by_the_probe_ratio():
    from glioma_lib.reporting.budget import REFERENCE_BUILD, on_reference, probe_ratio

    reference, slow = {"probe_img_s": 180.0}, {"probe_img_s": 120.0}
    assert probe_ratio(reference, slow) == pytest.approx(1.5)
    assert probe_ratio(reference, reference) == 1.0
    assert on_reference(90.0, slow, reference) == pytest.approx(60.0)
    assert on_reference(90.0, reference, slow) == pytest.approx(135.0)  # a faster machine
    assert REFERENCE_BUILD == "book_default_fp32.json"
    with pytest.raises(KeyError):  # a build that measured no probe cannot be scaled
        probe_ratio(reference, {})
