"""Protocol runs as chapters 3, 6 and 7 use them: early fusion, the light recipe, a capped
training set, the cache, and the backbone head-to-head."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest
import torch
from conftest import write_patient

from glioma_lib import backbones
from glioma_lib.backbones import common_weights, head_to_head
from glioma_lib.config import get_profile
from glioma_lib.experiment import run_protocol
from glioma_lib.models import WeightsNotFound, load_model
from glioma_lib.stages import prepare_data


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("exp")
    root = tmp / "MICCAI_BraTS_2019_Data_Training"
    for i in range(14):
        write_patient(root / ("LGG" if i < 6 else "HGG"), f"BraTS19_EXP_{i:03d}_1")
    mp = pytest.MonkeyPatch()
    mp.setenv("GLIOMA_RESULTS", str(tmp / "results"))
    profile = replace(get_profile("smoke"), name="unit", image_size=32, epochs=1,
                      extra_epochs=2, batch_size=8, workers=1)
    yield prepare_data(profile, root, progress=False)
    mp.undo()


def test_early_fusion_light_recipe_and_capped_training_set(data):
    run = run_protocol(data, "patient", sequences=("fusion",), light=True, max_train=10,
                       backbone="mobilenet_v2", weights=None, tag="unit-fusion")
    folder = run.runs["fusion"].folder
    assert "p_fusion" in run.predictions and len(run.runs["fusion"].history) == 2
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["training"]["epochs"] == 2 and manifest["weights"] == "random"
    assert manifest["precision"] == "fp32" and manifest["slices"] == data.slices.fingerprint
    assert json.loads((folder / "model.json").read_text())["sequence"] == "fusion"
    loaded = load_model(folder)
    assert loaded.name == "mobilenet_v2" and loaded.card["protocol"] == "patient"
    stamp = (folder / "best.pt").stat().st_mtime_ns
    again = run_protocol(data, "patient", sequences=("fusion",), light=True, max_train=10,
                         backbone="mobilenet_v2", weights=None, tag="unit-fusion")
    assert (folder / "best.pt").stat().st_mtime_ns == stamp  # reused, not retrained
    assert again.predictions["p_fusion"].tolist() == pytest.approx(
        run.predictions["p_fusion"].tolist(), abs=1e-6)
    assert set(run.predictions["patient_id"]).isdisjoint(
        data.index.loc[run.val_rows, "patient_id"])


def test_head_to_head_reports_auc_time_and_weights(data):
    table = head_to_head(data, ["mobilenet_v2"])
    row = table.loc["mobilenet_v2"]
    assert 0 <= row["val AUC"] <= 1 and row["s / epoch"] > 0 and row["epochs"] == 2
    assert 0 <= row["test AUC"] <= 1 and 0 <= row["test accuracy"] <= 1
    assert row["weights"]


def test_common_weights_never_mixes_initialisations(monkeypatch):
    def only_lite0(name, path=None):
        if name != "efficientnet_lite0":
            raise WeightsNotFound(name)
        return name

    monkeypatch.setattr(backbones, "find_weights", only_lite0)
    assert common_weights(["efficientnet_lite0"]) == "imagenet"
    assert common_weights(["googlenet", "efficientnet_lite0"]) is None


def test_same_seed_same_model_whatever_ran_before(data):
    import torch

    kwargs = dict(sequences=("t2",), light=True, max_train=10, backbone="mobilenet_v2",
                  weights=None)
    torch.manual_seed(123)
    first = run_protocol(data, "patient", tag="unit-seed-a", **kwargs)
    torch.rand(1000)  # a notebook that drew random numbers in between
    second = run_protocol(data, "patient", tag="unit-seed-b", **kwargs)
    assert first.predictions["p_t2"].tolist() == pytest.approx(
        second.predictions["p_t2"].tolist(), abs=1e-6)
    assert first.runs["t2"].history["train_loss"].tolist() == pytest.approx(
        second.runs["t2"].history["train_loss"].tolist(), abs=1e-6)


def _cohort(root, seed: int, n: int = 14):
    from conftest import tiny_volumes

    for i in range(n):
        write_patient(root / ("LGG" if i < n // 2 else "HGG"), f"BraTS19_C{i:03d}_1",
                      tiny_volumes(seed * 100 + i))
    return root


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


def test_evaluation_only_knobs_retrain_nothing(data):
    kwargs = dict(sequences=("t1",), backbone="mobilenet_v2", weights=None, tag="unit-knobs")
    first = run_protocol(data, "patient", **kwargs)
    stamp = (first.runs["t1"].folder / "best.pt").stat().st_mtime_ns
    other = replace(data.profile, workers=7, n_bootstrap=5, kfold=4, compare_train_slices=3)
    run_protocol(data, "patient", profile=other, **kwargs)
    assert (first.runs["t1"].folder / "best.pt").stat().st_mtime_ns == stamp
    retrain = replace(data.profile, lr_head=5e-4)
    run_protocol(data, "patient", profile=retrain, **kwargs)
    assert (first.runs["t1"].folder / "best.pt").stat().st_mtime_ns != stamp


def test_an_interrupted_protocol_resumes_from_its_last_epoch(data, monkeypatch):
    import glioma_lib.experiment as experiment

    profile = replace(data.profile, epochs=3)
    kwargs = dict(profile=profile, sequences=("t1",), backbone="mobilenet_v2", weights=None)
    full = run_protocol(data, "patient", tag="unit-full", **kwargs)
    real = experiment.train_model

    def killed_after_two(*args, **kw):
        real(*args, stop_after=2, **kw)
        raise KeyboardInterrupt

    monkeypatch.setattr(experiment, "train_model", killed_after_two)
    with pytest.raises(KeyboardInterrupt):
        run_protocol(data, "patient", tag="unit-killed", **kwargs)
    folder = full.runs["t1"].folder.parent.parent / "unit-killed" / "t1"
    assert (folder / "last.pt").exists() and not (folder / "manifest.json").exists()
    seconds = torch.load(folder / "last.pt", weights_only=True)["history"][0]["seconds"]
    monkeypatch.setattr(experiment, "train_model", real)
    resumed = run_protocol(data, "patient", tag="unit-killed", **kwargs)
    history = resumed.runs["t1"].history
    assert list(history["epoch"]) == [1, 2, 3] and history["seconds"].iloc[0] == seconds
    assert resumed.predictions["p_t1"].to_numpy() == pytest.approx(
        full.predictions["p_t1"].to_numpy(), abs=1e-5)


def test_chosen_backbone_reads_validation_only():
    import pandas as pd

    table = pd.DataFrame({"val AUC": [0.6, 0.8], "test AUC": [0.9, 0.5]},
                         index=pd.Index(["a", "b"], name="backbone"))
    assert backbones.chosen_backbone(table) == "b"
    assert backbones.chosen_backbone(table.assign(**{"val AUC": float("nan")})) is None
