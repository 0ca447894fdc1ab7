"""glioma_lib.reporting.ablation: each generator's real-patient AUC against the book's, paired."""

from __future__ import annotations

import json

import pytest

from glioma_lib.data.synth import GENERATOR_VERSION
from glioma_lib.reporting.ablation import BOOK_ARM, DIFFERENCE, ablation_table, arm_difference

RECIPE = "efficientnet_lite0, 3 epochs"
TRUTH = {"a": "HGG", "b": "HGG", "c": "HGG", "d": "HGG", "e": "LGG", "f": "LGG"}


def _arm(scores: dict[str, float], changes: str = "x") -> dict:
    rows = [{"patient_id": p, "set": "external", "grade": TRUTH[p], "window": w,
             "verdict": "HGG", "score_soft": s} for p, s in scores.items()
            for w in ("mask", "automatic")]
    summary = {w: {"auc": 0.75, "auc_low": 0.5, "auc_high": 1.0, "accuracy": 0.5,
                   "external_hgg_recall": 1.0, "hgg": 4, "lgg": 2}
               for w in ("mask", "automatic")}
    return {"changes": changes, "summary": summary, "patients": rows}


GOOD = {"a": .9, "b": .8, "c": .85, "d": .7, "e": .1, "f": .2}  # every pair ranked right
BAD = {"a": .1, "b": .2, "c": .15, "d": .3, "e": .9, "f": .8}   # every pair ranked wrong


def _write(tmp_path, arms: dict, **env) -> object:
    path = tmp_path / "ablation.json"
    path.write_text(json.dumps({"commit": "abc1234", "clean": True, "recipe": RECIPE,
                                "generator_version": GENERATOR_VERSION, "arms": arms, **env}))
    return path


def test_the_paired_difference_is_taken_on_the_same_patients():
    d = arm_difference(_arm(BAD), _arm(GOOD), n_resamples=200)
    assert d["difference"] == pytest.approx(-1.0) and d["high"] < 0 and d["n_patients"] == 6
    hgg_only = {p: s for p, s in GOOD.items() if TRUTH[p] == "HGG"}
    assert arm_difference(_arm(hgg_only), _arm(hgg_only), n_resamples=20) is None


def test_the_table_names_the_changes_whose_interval_excludes_zero(tmp_path):
    arms = {BOOK_ARM: _arm(GOOD, "the book's"), "generator 4": _arm(BAD, "the old one"),
            "generator 5, one scanner": _arm(GOOD, "no scanner")}
    section = ablation_table(_write(tmp_path, arms), RECIPE, n_resamples=200)
    table = section.table
    assert list(table.index) == list(arms)
    assert table.loc["generator 4", DIFFERENCE].startswith("-1.000")
    assert table.loc["generator 4", "moved it"] == "yes"
    assert table.loc["generator 5, one scanner", "moved it"].startswith("no")
    assert table.loc[BOOK_ARM, DIFFERENCE] == "—"
    text = section.values["ablation_text"]
    assert "moved" in text and "generator 4 (-1.000" in text and "one scanner" not in text
    assert "*generator 4*: the old one" in section.values["ablation_arms"]


def test_an_ablation_of_another_generator_or_recipe_is_refused(tmp_path):
    assert "Not measured yet" in ablation_table(tmp_path / "none.json", RECIPE).values[
        "ablation_text"]
    arms = {BOOK_ARM: _arm(GOOD)}
    older = ablation_table(_write(tmp_path, arms, generator_version=GENERATOR_VERSION - 1),
                           RECIPE)
    assert older.values["ablation_text"].startswith("⚠ Warning")
    assert "generator version" in older.table.iloc[0, 0]
    other = ablation_table(_write(tmp_path, arms), "googlenet, 30 epochs")
    assert other.values["ablation_text"].startswith("⚠ Warning")
    skipped = ablation_table(_write(tmp_path, {}, skipped="absent: ../shared"), RECIPE)
    assert skipped.values["ablation_text"].startswith("Absent")


def test_an_ablation_recording_its_networks_recipe_is_checked_on_it(tmp_path):
    arms = {BOOK_ARM: _arm(GOOD)}
    main = "efficientnet_lite0, 5 epochs, all slices"
    path = _write(tmp_path, arms, networks_recipe=main)
    quoted = ablation_table(path, "another cv recipe", networks_recipe=main)
    assert not quoted.values["ablation_text"].startswith("⚠")  # a new CV recipe: still quoted
    other = ablation_table(path, RECIPE, networks_recipe="googlenet, 30 epochs")
    assert other.values["ablation_text"].startswith("⚠ Warning")
    assert "its networks were trained with another recipe" in other.values["ablation_text"]
    legacy = _write(tmp_path, arms)  # made before networks_recipe: the CV recipe is checked
    assert ablation_table(legacy, "another cv recipe", networks_recipe=main).values[
        "ablation_text"].startswith("⚠ Warning")
