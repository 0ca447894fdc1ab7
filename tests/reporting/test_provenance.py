"""glioma_lib.reporting.provenance: one envelope for every benchmark result, and the book's
refusal of a result from a modified tree or another recipe."""

from __future__ import annotations

import json
import sys

import pytest

from glioma_lib.config import get_profile, project_root
from glioma_lib.data.synth import GENERATOR_VERSION
from glioma_lib.reporting.bench_cv import cv_seed_spread
from glioma_lib.reporting.provenance import (
    ENVELOPE_KEYS,
    provenance_problems,
    provenance_table,
    provenance_warning,
)
from glioma_lib.training.crossval import cv_recipe_text

RECIPE = cv_recipe_text(get_profile("default"))


@pytest.fixture
def common(monkeypatch):
    """bench/_common.py, as the benchmarks import it."""
    monkeypatch.syspath_prepend(str(project_root() / "bench"))
    sys.modules.pop("_common", None)
    import _common

    return _common


def test_the_envelope_records_machine_commit_clean_flag_backbone_and_recipe(common):
    env = common.envelope(get_profile("default"))
    assert tuple(env) == ENVELOPE_KEYS
    assert env["backbone"] == "efficientnet_lite0" and env["recipe"] == RECIPE
    assert isinstance(env["clean"], bool) and env["cpu_capability"]
    assert "+changes" not in str(env["commit"])


def test_problems_name_a_modified_tree_a_missing_commit_and_another_recipe():
    assert provenance_problems({"commit": "abc1234", "clean": True, "recipe": RECIPE},
                               RECIPE) == []
    assert provenance_problems({"commit": "abc1234+changes"}) == [
        "measured on a modified tree (abc1234 with uncommitted changes)"]
    assert provenance_problems({"commit": "abc1234", "clean": False})[0].startswith("measured")
    assert provenance_problems({}) == ["no commit recorded"]
    other = provenance_problems({"commit": "a", "clean": True, "recipe": "googlenet"}, RECIPE)
    assert other == [f"made with another recipe ('googlenet', not {RECIPE!r})"]


def _seeds(tmp_path, **env):
    path = tmp_path / "cv_seeds.json"
    path.write_text(json.dumps({"commit": "abc1234", "clean": True, "recipe": RECIPE,
                                "generator_version": GENERATOR_VERSION, **env,
                                "runs": [{"seed": 2022, "soft_auc": 0.8},
                                         {"seed": 1, "soft_auc": 0.7},
                                         {"seed": 2, "soft_auc": 0.9}]}))
    return path


def test_the_seed_spread_is_quoted_only_for_its_own_recipe(tmp_path):
    text = cv_seed_spread(_seeds(tmp_path), RECIPE)
    assert "3 training seeds" in text and "0.800 on average, from 0.700 to 0.900" in text
    refused = cv_seed_spread(_seeds(tmp_path, recipe="googlenet, 3 epochs"), RECIPE)
    assert refused.startswith("⚠ Warning: cv_seeds.json is not quoted") and "0.800" not in refused
    older = cv_seed_spread(_seeds(tmp_path, generator_version=GENERATOR_VERSION - 1), RECIPE)
    assert older.startswith("⚠ Warning") and "generator version" in older
    dirty = provenance_warning(_seeds(tmp_path, clean=False), RECIPE)
    assert "modified tree" in dirty
    caveat = cv_seed_spread(_seeds(tmp_path, clean=False), RECIPE)
    assert caveat.startswith("⚠ Warning: cv_seeds.json is quoted with a caveat")
    assert "0.800" in caveat
    assert "not measured" in cv_seed_spread(tmp_path / "none.json", RECIPE)


def test_one_seed_is_not_called_a_spread(tmp_path):
    path = _seeds(tmp_path)
    data = json.loads(path.read_text())
    data["runs"] = data["runs"][:1]
    path.write_text(json.dumps(data))
    text = cv_seed_spread(path, RECIPE)
    assert "not measured yet" in text and "one training seed (2022; AUC 0.800)" in text
    assert "from 0.800 to 0.800" not in text


def test_the_audit_table_lists_every_result_and_what_its_provenance_lacks(tmp_path):
    _seeds(tmp_path)
    (tmp_path / "old.json").write_text(json.dumps({"machine": "x"}))
    table = provenance_table(tmp_path)
    assert table.loc["old.json", "provenance"].startswith("no commit recorded; older schema")
    cell = table.loc["cv_seeds.json", "backbone, recipe"]
    assert RECIPE in cell and cell.count("efficientnet_lite0") == 1  # named once
    assert table.loc["old.json", "backbone, recipe"] == "not recorded"
    (tmp_path / "parts.json").write_text(json.dumps({"recipe": {"a": 1}, "backbone": "vgg16"}))
    assert provenance_table(tmp_path).loc["parts.json", "backbone, recipe"] == \
        "vgg16, one per part (in the JSON)"  # a structured recipe is named, not spelled out


def test_bench_results_are_written_atomically_with_the_envelope(tmp_path, common):
    out = common.write_result(tmp_path / "r.json", {**common.envelope(), "x": 1})
    data = json.loads(out.read_text())
    assert data["x"] == 1 and set(ENVELOPE_KEYS) <= set(data)
    assert [p.name for p in tmp_path.iterdir()] == ["r.json"]  # no temporary file left
