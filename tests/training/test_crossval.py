"""Tests of glioma_lib.training.crossval and the site experiments of chapter 7 (trained by
glioma_lib.training.sites, scored by glioma_lib.experiments.sites, worded by
glioma_lib.reporting.sites)."""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
from conftest import write_patient

from glioma_lib.config import get_profile
from glioma_lib.experiments import sites as scored
from glioma_lib.reporting import sites as worded
from glioma_lib.store import named_folder
from glioma_lib.training import crossval
from glioma_lib.training import sites as trained

#: LGG and HGG at a mixed site, an LGG-only and two HGG-only sites (as in BraTS 2019).
SITE_GRADES = [("2013", "LGG"), ("2013", "LGG"), ("2013", "HGG"), ("2013", "HGG"),
               ("TMC", "LGG"), ("TMC", "HGG"), ("TCIA10", "LGG"), ("TCIA10", "LGG"),
               ("CBICA", "HGG"), ("CBICA", "HGG"), ("CBICA", "HGG"), ("TCIA01", "HGG"),
               ("TCIA01", "HGG"), ("TCIA01", "HGG")]


@pytest.fixture(scope="module")
def site_data(tmp_path_factory):
    """14 tiny patients of five sites, under a small profile with its own results folder."""
    from conftest import tiny_volumes

    from glioma_lib.data.stages import prepare_data

    tmp = tmp_path_factory.mktemp("sites")
    root = tmp / "MICCAI_BraTS_2019_Data_Training"
    for i, (site, grade) in enumerate(SITE_GRADES):
        write_patient(root / grade, f"BraTS19_{site}_{i}_1", tiny_volumes(500 + i))
    mp = pytest.MonkeyPatch()
    mp.setenv("GLIOMA_RESULTS", str(tmp / "results"))
    profile = replace(get_profile("smoke"), name="unit-sites", image_size=32, extra_epochs=1,
                      batch_size=8, workers=1, kfold=3, cv_train_slices=20, n_bootstrap=50)
    yield prepare_data(profile, root, progress=False)
    mp.undo()


def test_recipe_follows_the_profile():
    default, paper = get_profile("default"), get_profile("paper")
    assert crossval.cv_recipe(default) == {"backbone": "efficientnet_lite0", "light": False,
                                           "max_train": 800}
    assert crossval.cv_option(default) == ("800", 5)  # the full recipe: 5 epochs, online aug.
    assert crossval.cv_option(get_profile("smoke")) == ("all", 2)  # the lighter: extra_epochs
    assert crossval.cv_option(paper) == ("all", 100)
    assert crossval.cv_recipe(paper) == {"backbone": "googlenet", "light": False,
                                         "max_train": None}
    assert crossval.cv_recipe_text(default).startswith("efficientnet_lite0, 5 epochs")
    assert "all training slices" in crossval.cv_recipe_text(paper)
    assert "100 epochs of offline 6× + online" in crossval.cv_recipe_text(paper)


def test_every_patient_is_tested_exactly_once_by_a_model_that_never_saw_it(site_data):
    cv = crossval.cross_validate(site_data, sequences=("flair",))
    pooled = cv.predictions
    assert set(pooled["patient_id"]) == set(site_data.index["patient_id"])
    assert len(pooled) == len(site_data.index)  # every slice once
    assert pooled.groupby("patient_id")["fold"].nunique().max() == 1
    folds = site_data.kfold()
    for fold, run in cv.runs.items():
        tested = set(pooled.loc[pooled.fold == fold, "patient_id"])
        assert tested == set(site_data.index.loc[folds == fold, "patient_id"])
        assert ((site_data.fold_split(fold) == "test") == (folds == fold)).all()
        assert tested.isdisjoint(site_data.index.loc[run.val_rows, "patient_id"])
    manifest = json.loads((cv.runs[0].runs["flair"].folder / "manifest.json").read_text())
    assert manifest["backbone"] == "efficientnet_lite0" and "ImageNet" in cv.weights_note


def test_another_training_seed_reruns_the_same_folds_beside_the_books(site_data):
    """bench/bench_cv_seeds.py's runs: same patients per fold, own folders, the book's kept."""
    book = crossval.cross_validate(site_data, sequences=("flair",))
    seeded = crossval.cross_validate(site_data, sequences=("flair",),
                                     train_profile=replace(site_data.profile, seed=7))
    for fold, run in seeded.runs.items():
        mine, theirs = run.runs["flair"].folder, book.runs[fold].runs["flair"].folder
        assert mine != theirs and (theirs / "best.pt").exists()
        named = json.loads((theirs.parent / "spec.json").read_text())
        other = json.loads((mine.parent / "spec.json").read_text())
        assert other["training"]["seed"] == 7 and named["training"]["seed"] != 7
        assert named_folder(theirs.parent.parent, f"fold{fold}") == theirs.parent
    key = ["fold", "patient_id"]
    assert seeded.predictions[key].equals(book.predictions[key])
    assert not np.allclose(seeded.predictions["p_flair"], book.predictions["p_flair"])


def test_site_experiments_rows_and_caches(site_data):
    rows = scored.site_experiments(site_data, n_resamples=50)
    assert list(rows.index) == [trained.REFERENCE, trained.LEAVE_SITE_OUT, trained.BLANKED,
                                trained.SITE_CLASSIFIER]
    grading = rows.loc[[trained.REFERENCE, trained.BLANKED], "auc"]
    assert grading.between(0, 1).all()
    assert rows.loc[trained.SITE_CLASSIFIER, "task"] == "site (1 of 5)"
    fold0 = site_data.index.loc[site_data.fold_split(0) == "test", "patient_id"].nunique()
    same_split = [trained.REFERENCE, trained.BLANKED, trained.SITE_CLASSIFIER]
    assert (rows.loc[same_split, "test patients"] == fold0).all()
    assert 0 < rows.loc[trained.SITE_CLASSIFIER, "chance accuracy"] <= 1
    models = site_data.profile.name
    from glioma_lib.config import stage_dir

    folder = stage_dir(models, "models")
    blank = json.loads((named_folder(folder, "blanked") / "flair" / "manifest.json").read_text())
    plain = json.loads((named_folder(folder, "fold0") / "flair" / "manifest.json").read_text())
    assert "tumour blanked" in blank["inputs"] and "tumour" not in plain["inputs"]
    assert blank["split"] == plain["split"]
    card = json.loads((named_folder(folder, "site-classifier") / "flair" / "model.json")
                      .read_text())
    assert card["n_classes"] == 5
    table = worded.site_table(rows, "unit")
    assert table["cohort"].eq("unit").all() and "[" in table.loc[trained.REFERENCE, "AUC"]


def _results(ref, lso, lso_low, blank_low, site_acc, site_low, chance):
    return pd.DataFrame({
        "auc": [ref, lso, 0.7, 0.9], "auc_low": [ref - 0.1, lso_low, blank_low, 0.8],
        "auc_high": [1.0, 1.0, 1.0, 1.0], "accuracy": [0.8, 0.75, 0.7, site_acc],
        "accuracy_low": [0.7, 0.6, 0.6, site_low], "accuracy_high": [0.9, 0.8, 0.8, 1],
        "chance AUC": [0.5, 0.5, 0.5, np.nan],
        "chance accuracy": [np.nan, np.nan, np.nan, chance]},
        index=[trained.REFERENCE, trained.LEAVE_SITE_OUT, trained.BLANKED,
               trained.SITE_CLASSIFIER])


def test_the_conclusion_is_computed_from_the_numbers():
    shortcut_read = worded.site_conclusion(_results(0.95, 0.55, 0.4, 0.6, 0.9, 0.8, 0.4))
    assert shortcut_read.startswith("Positive control: the network names the site of 90%")
    assert "sites never seen in training the AUC is 0.55 (not distinguishable from chance; " \
           "random patient split 0.95)" in shortcut_read
    assert "(chance 40%: above" in shortcut_read
    assert "the site's signature, which this network can tell" in shortcut_read
    assert "accuracy at the 0.5 threshold" not in shortcut_read
    tumour_read = worded.site_conclusion(_results(0.9, 0.85, 0.7, 0.45, 0.3, 0.1, 0.4))
    assert "(above chance;" in tumour_read and "not above chance" in tumour_read
    assert "Without the tumour" not in tumour_read
    blank_read = worded.site_conclusion(_results(0.9, 0.85, 0.7, 0.6, 0.3, 0.1, 0.4).assign(
        accuracy=[0.8, 0.4, 0.7, 0.3]))
    assert "is 40% against 80%" in blank_read
    assert "the size and shape of the blanked region" in blank_read


def _differences(blank, lso, site):
    """site_differences-shaped rows: (difference, low, high) per comparison."""
    names = [f"{trained.BLANKED} − {trained.REFERENCE}",
             f"{trained.LEAVE_SITE_OUT} − {trained.REFERENCE}",
             f"{trained.SITE_CLASSIFIER} − chance"]
    return pd.DataFrame([dict(zip(("difference", "low", "high"), v, strict=True),
                              patients=40) for v in (blank, lso, site)], index=names)


def test_the_positive_control_comes_first_and_differences_are_paired_statements():
    rows = _results(0.9, 0.85, 0.7, 0.6, 0.9, 0.8, 0.4)
    diffs = _differences((-0.20, -0.30, -0.10), (-0.05, -0.15, 0.05), (0.5, 0.4, 0.6))
    text = worded.site_conclusion(rows, diffs)
    assert text.startswith("Positive control: the network names the site of its test "
                           "patients +50 points [+40, +60] above chance")
    assert "are visible to it" in text
    assert ("Blanking the tumour changes the AUC by -0.20 [-0.30, -0.10] on the same 40 test "
            "patients: grading without the tumour is worse.") in text
    assert "the 40 patients both test sets hold: these patients cannot tell the two apart" in text
    hidden = _differences((0.0, -0.1, 0.1), (0.0, -0.1, 0.1), (0.05, -0.05, 0.15))
    assert "are not shown to be visible to it" in worded.positive_control(hidden)
    assert list(worded.site_table(rows).index)[0] == trained.SITE_CLASSIFIER


def test_site_classifier_scores_perfect_and_chance():
    frame = pd.DataFrame({"patient_id": ["a", "a", "b", "c", "d"], "label": [0, 0, 1, 2, 2],
                          "p_flair_0": [0.9, 0.8, 0.1, 0.0, 0.1],
                          "p_flair_1": [0.1, 0.1, 0.8, 0.1, 0.1],
                          "p_flair_2": [0.0, 0.1, 0.1, 0.9, 0.8]})
    s = scored.site_classifier_scores(frame, ["x", "y", "z"], n_resamples=50)
    assert s["accuracy"] == 1 and s["auc"] == 1 and s["n_patients"] == 4
    assert s["chance"] == 0.5 and s["n_sites"] == 3
    assert s["accuracy_low"] <= s["accuracy"] <= s["accuracy_high"]


def test_the_cohorts_are_contrasted_on_the_blanked_tumour():
    confounded = _results(0.8, 0.75, 0.6, 0.65, 0.5, 0.4, 0.43)
    confounded.loc[trained.BLANKED, ["auc", "auc_high"]] = [0.78, 0.9]
    deconfounded = _results(0.67, 0.75, 0.65, 0.35, 0.55, 0.45, 0.48)
    deconfounded.loc[trained.BLANKED, ["auc", "auc_high"]] = [0.52, 0.7]
    text = worded.site_contrast(confounded, deconfounded)
    assert "0.78 [0.65, 0.90] where the sites are confounded" in text
    assert "0.52 [0.35, 0.70] where they are not" in text
    # widths 0.25 and 0.35 over 3.92 as standard errors: the difference 0.26 ± 0.215
    assert "a difference of +0.26 [+0.04, +0.48] (unpaired" in text
    assert "signatures carry part of the grade" in text
    deconfounded.loc[trained.BLANKED, ["auc", "auc_low", "auc_high"]] = [0.70, 0.50, 0.90]
    assert "cannot tell from zero" in worded.site_contrast(confounded, deconfounded)
    assert "cannot be compared" in worded.site_contrast(confounded, deconfounded.iloc[:1])


def test_site_differences_pair_the_same_patients(site_data):
    diffs = scored.site_differences(site_data, n_resamples=50)
    blanked = diffs.loc[f"{trained.BLANKED} − {trained.REFERENCE}"]
    fold0 = site_data.index.loc[site_data.fold_split(0) == "test", "patient_id"].nunique()
    assert blanked["patients"] == fold0
    if pd.notna(blanked.get("difference")):
        assert blanked["low"] <= blanked["difference"] <= blanked["high"]
    site = diffs.loc[f"{trained.SITE_CLASSIFIER} − chance"]
    rows = scored.site_experiments(site_data, n_resamples=50)
    expected = (rows.loc[trained.SITE_CLASSIFIER, "accuracy"]
                - rows.loc[trained.SITE_CLASSIFIER, "chance accuracy"])
    assert site["difference"] == pytest.approx(expected)


def test_another_initialisation_or_backbone_gets_its_own_cache(site_data):

    scratch = crossval.fold_run(site_data, 0, ("flair",), weights=None)
    folder = scratch.runs["flair"].folder
    assert folder.parent != named_folder(folder.parent.parent, "fold0")  # a run of its own
    assert json.loads((folder / "manifest.json").read_text())["weights"] == "random"
    assert json.loads((folder.parent / "spec.json").read_text())["weights"] == "random"
    assert scratch.weights_note == "random init"
    other = crossval.fold_run(site_data, 0, ("flair",), backbone="mobilenet_v2", weights=None)
    assert other.runs["flair"].folder.parent not in (folder.parent,
                                                     named_folder(folder.parent.parent, "fold0"))


def test_two_sites_are_read_from_a_binary_network():
    frame = pd.DataFrame({"patient_id": ["a", "b", "c", "d"], "label": [0, 0, 1, 1],
                          "p_flair": [0.2, 0.4, 0.7, 0.6]})
    s = scored.site_classifier_scores(frame, ["2013", "TCIA10"], n_resamples=50)
    assert s["accuracy"] == 1 and s["auc"] == 1 and s["chance"] == 0.5


def test_the_headline_reads_no_test_label_before_the_final_scoring(site_data):
    """Training, early stopping and the operating thresholds of a fold use its training and
    validation patients only: with the test patients' labels flipped, the networks, their
    test probabilities and the validation-chosen thresholds are the same (analysis plan)."""
    from glioma_lib.evaluation.operating import fold_thresholds
    from glioma_lib.training.experiment import run_protocol

    split = site_data.fold_split(0)
    labels = np.asarray(site_data.slices.labels).copy()
    flipped = labels.copy()
    flipped[split == "test"] = 1 - flipped[split == "test"]
    kwargs = dict(sequences=("flair",), split=split, max_train=20, backbone="mobilenet_v2",
                  weights=None, light=True)
    true = run_protocol(site_data, "fold0", labels=labels, **kwargs)
    other = run_protocol(site_data, "fold0", labels=flipped, **kwargs)  # other labels: own run
    assert not true.predictions["label"].equals(other.predictions["label"])
    assert np.allclose(true.predictions["p_flair"], other.predictions["p_flair"], atol=1e-6)
    losses = [r.runs["flair"].history[["train_loss", "val_loss"]].to_numpy() for r in (true, other)]
    assert np.allclose(*losses, atol=1e-6)
    cuts = [fold_thresholds({0: r}, ("flair",))["threshold"].to_numpy() for r in (true, other)]
    assert np.allclose(*cuts, atol=1e-6)


def test_main_recipe_text_names_the_main_networks_not_the_cross_validation():
    from glioma_lib.config import get_profile
    from glioma_lib.training.crossval import cv_recipe_text, main_recipe_text

    p = get_profile("default")
    assert main_recipe_text(p) == (f"{p.backbone}, {p.epochs} epochs of online augmentation, "
                                   "all training slices per model")
    assert main_recipe_text(p) != cv_recipe_text(p)  # 800 training slices there
    assert main_recipe_text(get_profile("default", cv_train_slices=1600)) == main_recipe_text(p)
