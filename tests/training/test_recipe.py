"""Tests of glioma_lib.training.recipe: the registry of named runs, their specs and the plan."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from glioma_lib.training.recipe import (
    Recipe,
    book_recipes,
    plan,
)


def test_a_runs_folder_is_named_by_its_content_and_its_name_points_to_it(unit_data):
    from glioma_lib.store import KEY_DIGITS, is_key
    from glioma_lib.training.recipe import spec_of

    recipes = book_recipes(unit_data)
    keys = {name: spec_of(unit_data, name).key for name in recipes}
    assert all(is_key(k) and len(k) == KEY_DIGITS for k in keys.values())
    # one key per content: the transfer arm's ImageNet network is cross-validation fold 0's,
    # the fusion network sits beside the patient split's three (a key holds sequences)
    assert keys["transfer-imagenet"] == keys["fold0"] and keys["fusion"] == keys["patient"]
    for a in recipes:
        for b in recipes:
            same = replace(recipes[a], sequences=()) == replace(recipes[b], sequences=())
            assert (keys[a] == keys[b]) == same, (a, b)
    fold0 = spec_of(unit_data, "fold0")
    assert fold0.name == "fold0" and fold0.describe()["key"] == fold0.key
    assert "name" not in fold0.describe()  # names point to runs: several may point to one
    assert fold0.identity()["class_weight"] is None and "inputs" in fold0.identity()
    seeded = spec_of(unit_data, "fold0", replace(unit_data.profile, seed=7))
    assert seeded.name is None and seeded.key != fold0.key  # another seed is not "fold0"
    assert spec_of(unit_data, "fold0", replace(unit_data.profile, n_bootstrap=3)).key == \
        fold0.key  # an evaluation-only knob changes no network


def test_a_key_is_the_same_wherever_the_checkout_lies(unit_data, tmp_path, monkeypatch):
    from glioma_lib.training.recipe import spec_of

    key = spec_of(unit_data, "patient").key
    monkeypatch.setenv("GLIOMA_RESULTS", str(tmp_path / "elsewhere"))
    moved = spec_of(unit_data, "patient")
    assert moved.key == key and str(tmp_path) in str(moved.folder("t1"))


def test_a_recipe_refuses_unknown_splits_and_labels():
    with pytest.raises(ValueError, match="split"):
        Recipe("random", "googlenet")
    with pytest.raises(ValueError, match="labels"):
        Recipe("slice", "googlenet", labels="noise")


def test_plan_lists_each_network_once_and_filters_groups(unit_data):
    recipes = book_recipes(unit_data)
    assert {"slice", "patient", "fusion", "fold0", "blanked", "site-classifier",
            "transfer-imagenet", "transfer-scratch"} <= set(recipes)
    from glioma_lib.training.recipe import spec_of

    units = plan(unit_data)
    keys = [(spec_of(unit_data, u.recipe).key, u.sequence) for u in units]
    assert len(keys) == len(set(keys))
    # the transfer arm's ImageNet network is cross-validation fold 0's FLAIR network
    assert not any(u.name == "transfer:transfer-imagenet" for u in units)
    n_folds = int(unit_data.kfold().max()) + 1
    cv = plan(unit_data, only=["cv"])
    assert {u.group for u in cv} == {"cv"} and len(cv) == 3 * n_folds


def test_run_recipe_by_name_is_the_chapters_run(unit_data):
    from glioma_lib.training.experiment import run_protocol
    from glioma_lib.training.recipe import run_recipe

    by_name = run_recipe(unit_data, "patient")
    direct = run_protocol(unit_data, "patient")  # the same cache: nothing retrained
    assert by_name.runs["flair"].folder == direct.runs["flair"].folder
    from glioma_lib.config import stage_dir
    from glioma_lib.store import named_folder, run_names

    folder = by_name.runs["flair"].folder.parent
    models = stage_dir(unit_data.profile, "models")
    assert named_folder(models, "patient") == folder and "patient" in run_names(models)[folder.name]
    assert json.loads((folder / "spec.json").read_text())["key"] == folder.name
    assert (stage_dir(unit_data.profile, "predictions") / "patient.csv").exists()
    assert by_name.predictions.equals(direct.predictions)
