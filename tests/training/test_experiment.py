"""Tests of glioma_lib.training.experiment."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest
import torch
from conftest import write_patient

from glioma_lib.config import get_profile
from glioma_lib.data.stages import prepare_data
from glioma_lib.models import load_model
from glioma_lib.training.experiment import run_protocol
from glioma_lib.training.precision import precision_name


def _cohort(root, seed: int, n: int = 14):
    from conftest import tiny_volumes

    for i in range(n):
        write_patient(root / ("LGG" if i < n // 2 else "HGG"), f"BraTS19_C{i:03d}_1",
                      tiny_volumes(seed * 100 + i))
    return root


def test_early_fusion_light_recipe_and_capped_training_set(unit_data):
    run = run_protocol(unit_data, "patient", sequences=("fusion",), light=True, max_train=10,
                       backbone="mobilenet_v2", weights=None)
    folder = run.runs["fusion"].folder
    assert "p_fusion" in run.predictions and len(run.runs["fusion"].history) == 2
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["training"]["epochs"] == 2 and manifest["weights"] == "random"
    assert manifest["precision"] == unit_data.profile.precision  # the choice, pinned
    card = json.loads((folder / "model.json").read_text())
    assert card["precision"] == precision_name("cpu", backbone="mobilenet_v2")  # what ran
    import torch

    from glioma_lib.config import checkout_commit

    assert card["trained_on"] == {"cpu_capability": torch.backends.cpu.get_cpu_capability(),
                                  "gpu": None, "commit": checkout_commit()}  # where it ran
    assert manifest["slices"] == unit_data.slices.fingerprint
    assert json.loads((folder / "model.json").read_text())["sequence"] == "fusion"
    loaded = load_model(folder)
    assert loaded.name == "mobilenet_v2" and loaded.card["protocol"] == "patient"
    stamp = (folder / "best.pt").stat().st_mtime_ns
    again = run_protocol(unit_data, "patient", sequences=("fusion",), light=True, max_train=10,
                         backbone="mobilenet_v2", weights=None)
    assert (folder / "best.pt").stat().st_mtime_ns == stamp  # reused, not retrained
    assert again.predictions["p_fusion"].tolist() == pytest.approx(
        run.predictions["p_fusion"].tolist(), abs=1e-6)
    assert set(run.predictions["patient_id"]).isdisjoint(
        unit_data.index.loc[run.val_rows, "patient_id"])


def test_same_seed_same_model_whatever_ran_before(unit_data, tmp_path, monkeypatch):
    import torch

    kwargs = dict(sequences=("t2",), light=True, max_train=10, backbone="mobilenet_v2",
                  weights=None)
    torch.manual_seed(123)
    monkeypatch.setenv("GLIOMA_RESULTS", str(tmp_path / "a"))  # the same run, trained twice
    first = run_protocol(unit_data, "patient", **kwargs)
    torch.rand(1000)  # a notebook that drew random numbers in between
    monkeypatch.setenv("GLIOMA_RESULTS", str(tmp_path / "b"))
    second = run_protocol(unit_data, "patient", **kwargs)
    assert second.runs["t2"].folder != first.runs["t2"].folder
    assert first.predictions["p_t2"].tolist() == pytest.approx(
        second.predictions["p_t2"].tolist(), abs=1e-6)
    assert first.runs["t2"].history["train_loss"].tolist() == pytest.approx(
        second.runs["t2"].history["train_loss"].tolist(), abs=1e-6)


def test_models_are_not_reused_across_cohorts_of_the_same_size(tmp_path, monkeypatch):
    """Two cohorts with the same patients' ids, grades and row counts but other images."""
    monkeypatch.setenv("GLIOMA_RESULTS", str(tmp_path / "results"))
    profile = replace(get_profile("smoke"), name="unit", image_size=32, epochs=1,
                      batch_size=8, workers=1)
    kwargs = dict(sequences=("t1",), backbone="mobilenet_v2", weights=None)
    a = prepare_data(profile, _cohort(tmp_path / "A", 1), progress=False)
    run_a = run_protocol(a, "patient", **kwargs)
    stamp = (run_a.runs["t1"].folder / "best.pt").stat().st_mtime_ns
    b = prepare_data(profile, _cohort(tmp_path / "B", 2), progress=False)
    assert len(b.index) == len(a.index) and a.slices.fingerprint != b.slices.fingerprint
    run_b = run_protocol(b, "patient", **kwargs)
    assert (run_b.runs["t1"].folder / "best.pt").stat().st_mtime_ns != stamp  # retrained
    assert run_b.runs["t1"].model.card["data"].startswith("BraTS (B")


def test_evaluation_only_knobs_retrain_nothing(unit_data):
    kwargs = dict(sequences=("t1",), backbone="mobilenet_v2", weights=None)
    first = run_protocol(unit_data, "patient", **kwargs)
    stamp = (first.runs["t1"].folder / "best.pt").stat().st_mtime_ns
    other = replace(unit_data.profile, workers=7, n_bootstrap=5, kfold=4, compare_train_slices=3)
    run_protocol(unit_data, "patient", profile=other, **kwargs)
    assert (first.runs["t1"].folder / "best.pt").stat().st_mtime_ns == stamp
    retrain = replace(unit_data.profile, lr_head=5e-4)
    again = run_protocol(unit_data, "patient", profile=retrain, **kwargs)
    assert again.runs["t1"].folder != first.runs["t1"].folder  # trained beside, not over it
    assert (again.runs["t1"].folder / "best.pt").exists()
    assert (first.runs["t1"].folder / "best.pt").stat().st_mtime_ns == stamp


def test_an_interrupted_protocol_resumes_from_its_last_epoch(unit_data, monkeypatch, tmp_path):
    import glioma_lib.training.experiment as experiment

    profile = replace(unit_data.profile, epochs=3)
    kwargs = dict(profile=profile, sequences=("t1",), backbone="mobilenet_v2", weights=None)
    monkeypatch.setenv("GLIOMA_RESULTS", str(tmp_path / "full"))
    full = run_protocol(unit_data, "patient", **kwargs)
    monkeypatch.setenv("GLIOMA_RESULTS", str(tmp_path / "killed"))  # the same run, killed
    real = experiment.train_model

    def killed_after_two(*args, **kw):
        real(*args, stop_after=2, **kw)
        raise KeyboardInterrupt

    monkeypatch.setattr(experiment, "train_model", killed_after_two)
    with pytest.raises(KeyboardInterrupt):
        run_protocol(unit_data, "patient", **kwargs)
    from glioma_lib.training.runspec import RunSpec

    folder = RunSpec.build(unit_data, "patient", profile, backbone="mobilenet_v2",
                           weights=None).folder("t1")
    assert folder.parent.name == full.runs["t1"].folder.parent.name  # same content, same key
    assert (folder / "last.pt").exists() and not (folder / "manifest.json").exists()
    seconds = torch.load(folder / "last.pt", weights_only=True)["history"][0]["seconds"]
    monkeypatch.setattr(experiment, "train_model", real)
    resumed = run_protocol(unit_data, "patient", **kwargs)
    history = resumed.runs["t1"].history
    assert list(history["epoch"]) == [1, 2, 3] and history["seconds"].iloc[0] == seconds
    assert resumed.predictions["p_t1"].to_numpy() == pytest.approx(
        full.predictions["p_t1"].to_numpy(), abs=1e-5)


def test_histories_are_named_like_the_paper(unit_data):
    run = run_protocol(unit_data, "patient", sequences=("t1", "flair"), backbone="mobilenet_v2",
                       weights=None)
    assert list(run.histories()) == ["T1WI", "FLAIR"]
    table = run.history_table()
    assert table.shape[0] == 2 * unit_data.profile.epochs  # one row per sequence and epoch
    assert list(table.index.names) == ["sequence", "epoch"] and "val_loss" in table.columns
    assert ("FLAIR", 1) in table.index


def test_a_given_split_is_used_and_keys_the_cache(unit_data):
    import numpy as np

    from glioma_lib.data.splits import fold_split, patient_kfold

    folds = patient_kfold(unit_data.index, k=3, seed=0)
    runs, manifests = {}, []
    for fold in (0, 1):
        split = fold_split(unit_data.index, folds, fold, val_fraction=0.3, seed=0)
        runs[fold] = run_protocol(unit_data, f"fold{fold}", split=split, sequences=("flair",),
                                  light=True, backbone="mobilenet_v2", weights=None)
        tested = set(runs[fold].predictions["patient_id"])
        assert tested == set(unit_data.index.loc[folds == fold, "patient_id"])
        manifests.append(json.loads((runs[fold].runs["flair"].folder
                                     / "manifest.json").read_text()))
    assert manifests[0]["split"] != manifests[1]["split"]  # another split: another run
    assert runs[0].runs["flair"].folder != runs[1].runs["flair"].folder
    with pytest.raises(ValueError, match="one of train/val/test per slice"):
        run_protocol(unit_data, "bad", split=np.array(["train"] * len(unit_data.index)))


def test_a_profile_override_changes_training_not_the_split(unit_data):
    from glioma_lib.training.runspec import RunSpec

    reseeded = replace(unit_data.profile, seed=unit_data.profile.seed + 1,
                       split_fractions=(0.5, 0.25, 0.25))
    base = RunSpec.build(unit_data, "patient")
    other = RunSpec.build(unit_data, "patient", profile=reseeded)
    assert other.profile.seed == reseeded.seed
    assert (other.split == base.split).all() and (other.split == unit_data.split("patient")).all()


def test_class_weights_are_sklearn_balanced_and_absent_classes_weigh_one():
    from glioma_lib.training.train import class_weights

    assert class_weights([0, 1, 1, 1], 2, None) is None
    assert class_weights([0, 1, 1, 1], 2, "balanced").tolist() == pytest.approx([2.0, 2 / 3])
    assert class_weights([1, 1], 3, "balanced").tolist() == pytest.approx([1.0, 1.0, 1.0])
    with pytest.raises(ValueError, match="class_weight 'inverse'"):
        class_weights([0, 1], 2, "inverse")


def test_the_class_weighted_variant_is_cached_apart_and_named(unit_data):
    from glioma_lib.training.recipe import Recipe, run_recipe

    kwargs = dict(sequences=("flair",), light=True, max_train=12, backbone="mobilenet_v2",
                  weights=None)
    plain = run_protocol(unit_data, "patient", **kwargs)
    weighted = run_protocol(unit_data, "patient", class_weight="balanced", **kwargs)
    folder = weighted.runs["flair"].folder
    assert json.loads((folder / "manifest.json").read_text())["class_weight"] == "balanced"
    assert json.loads((folder / "model.json").read_text())["class_weight"] == "balanced"
    # every key is always there: the paper's loss says so
    assert json.loads((plain.runs["flair"].folder / "manifest.json").read_text())[
        "class_weight"] is None
    assert weighted.runs["flair"].folder.parent != plain.runs["flair"].folder.parent
    assert weighted.predictions["p_flair"].tolist() != pytest.approx(
        plain.predictions["p_flair"].tolist(), abs=1e-6)  # the loss changed the training
    again = run_recipe(unit_data, Recipe("patient", "mobilenet_v2", None, True, 12,
                                         sequences=("flair",), class_weight="balanced"))
    assert again.runs["flair"].folder == folder  # the same content: the same run


def test_a_seed_override_trains_beside_the_default_never_over_it(unit_data):
    """A run whose training profile differs from the data's (here the seed) names its own
    folder; the default's folder and manifest are untouched by it."""
    from dataclasses import replace

    from glioma_lib.store import named_folder
    from glioma_lib.training.runspec import RunSpec

    kwargs = dict(sequences=("flair",), light=True, max_train=10, backbone="mobilenet_v2",
                  weights=None, name="unit-patient")
    default = run_protocol(unit_data, "patient", **kwargs)
    folder = default.runs["flair"].folder
    before = {p.name: p.stat().st_mtime_ns for p in folder.iterdir()}
    seeded = run_protocol(unit_data, "patient", profile=replace(unit_data.profile, seed=7),
                          **kwargs)
    mine = seeded.runs["flair"].folder
    assert mine != folder and mine.parent.parent == folder.parent.parent
    assert {p.name: p.stat().st_mtime_ns for p in folder.iterdir()} == before  # untouched
    assert named_folder(folder.parent.parent, "unit-patient") == folder.parent  # still
    assert json.loads((mine.parent / "spec.json").read_text())["training"]["seed"] == 7
    assert not seeded.predictions["p_flair"].equals(default.predictions["p_flair"])
    same = RunSpec.build(unit_data, "patient", unit_data.profile)
    assert same.key == RunSpec.build(unit_data, "patient").key


def test_a_network_is_predicted_once_and_read_back_exactly(unit_data, monkeypatch):
    """Chapters that show the same networks read their saved predictions (issue 33)."""
    from glioma_lib.training import experiment

    kwargs = dict(sequences=("t2",), light=True, max_train=10, backbone="mobilenet_v2",
                  weights=None)
    first = run_protocol(unit_data, "patient", **kwargs)
    calls = []
    real = experiment.predict_split
    monkeypatch.setattr(experiment, "predict_split",
                        lambda *a, **k: calls.append(a[2]) or real(*a, **k))
    again = run_protocol(unit_data, "patient", **kwargs)
    assert calls == []  # read, not predicted
    assert again.predictions.equals(first.predictions)
    assert again.val_predictions.equals(first.val_predictions)
    assert again.predictions.dtypes.equals(first.predictions.dtypes)
    other = run_protocol(unit_data, "patient", **{**kwargs, "max_train": 12})
    assert calls == ["test", "val"]  # other models: predicted (and saved) again
    assert not other.predictions["p_t2"].equals(first.predictions["p_t2"])
