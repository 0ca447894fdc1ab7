"""Tests of glioma_lib.training.recipe: derived cache tags and the plan."""

from __future__ import annotations

from dataclasses import replace

import pytest

from glioma_lib.config import get_profile
from glioma_lib.training.recipe import (
    Recipe,
    book_recipes,
    cv_recipe_for,
    head_to_head_recipe,
    plan,
)


def test_tags_are_derived_from_the_fields():
    p = get_profile("default")  # main: efficientnet_lite0 / imagenet / full; cv: light, 800
    main = Recipe("patient", "efficientnet_lite0", "imagenet")
    assert main.tag(p) == "patient" and replace(main, split="slice").tag(p) == "slice"
    assert replace(main, sequences=("fusion",)).tag(p) == "patient-fusion"
    assert cv_recipe_for(p, "fold3").tag(p) == "cv-fold3"
    assert cv_recipe_for(p, "fold0", weights=None).tag(p) == "cv-fold0-scratch"
    assert cv_recipe_for(p, "slice", labels="shuffled").tag(p) == "shuffled-slice"
    assert cv_recipe_for(p, "fold0", blank=True).tag(p) == "sites-blanked"
    assert cv_recipe_for(p, "fold0", labels="site").tag(p) == "sites-classifier"
    assert cv_recipe_for(p, "leave-site-out").tag(p) == "sites-leave-out"
    assert head_to_head_recipe(p, "googlenet", None).tag(p) == \
        "patient-googlenet-scratch-light-n800"
    paper = get_profile("paper")  # cv family = main family (googlenet, full, all slices)
    assert cv_recipe_for(paper, "fold0", backbone="efficientnet_lite0").tag(paper) == \
        "cv-fold0-efficientnet_lite0"


def test_a_recipe_refuses_unknown_splits_and_labels():
    with pytest.raises(ValueError, match="split"):
        Recipe("random", "googlenet")
    with pytest.raises(ValueError, match="labels"):
        Recipe("slice", "googlenet", labels="noise")


def test_plan_lists_each_network_once_and_filters_groups(unit_data):
    recipes = book_recipes(unit_data)
    assert {"slice", "patient", "fusion", "fold0", "blanked", "site-classifier",
            "transfer-imagenet", "transfer-scratch"} <= set(recipes)
    units = plan(unit_data)
    keys = [(u.recipe.tag(unit_data.profile), u.sequence) for u in units]
    assert len(keys) == len(set(keys))
    # the transfer arm's ImageNet network is cross-validation fold 0's FLAIR network
    assert recipes["transfer-imagenet"].tag(unit_data.profile) == "cv-fold0"
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
    assert by_name.predictions.equals(direct.predictions)
