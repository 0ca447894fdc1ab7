"""A training subprocess killed with SIGKILL mid-run, then rerun, ends with the predictions of
an uninterrupted run (CPU, same seed), resuming from its last epoch."""

from __future__ import annotations

import signal
from pathlib import Path

import pandas as pd
import pytest
import torch
from conftest import FirstFile, run_killable, tiny_cohort

SCRIPT = """
import sys
from dataclasses import replace

import torch

from glioma_lib.config import get_profile
from glioma_lib.training.experiment import run_protocol
from glioma_lib.data.stages import prepare_data

torch.set_num_threads(1)
profile = replace(get_profile("smoke"), name="kill", image_size=48, epochs=4, batch_size=8,
                  workers=1, offline_aug=False)
data = prepare_data(profile, sys.argv[1], progress=False)
run = run_protocol(data, "patient", sequences=("t1", "flair"), backbone="googlenet",
                   weights=None)
run.predictions.to_csv(sys.argv[2], index=False)
"""


def _run(cohort: Path, results: Path, out: Path, kill_when=None):
    return run_killable(SCRIPT, cohort, results, out, kill_when)


@pytest.mark.slow
def test_killed_training_resumes_and_matches_an_uninterrupted_run(tmp_path):
    cohort = tiny_cohort(tmp_path / "MICCAI_BraTS_2019_Data_Training", "KIL",
                         shape=(48, 48, 16))
    _run(cohort, tmp_path / "plain", tmp_path / "plain.csv")
    root = tmp_path / "killed" / "kill" / "models"
    code = _run(cohort, tmp_path / "killed", tmp_path / "killed.csv",
                kill_when=FirstFile(root, "*/t1/last.pt"))
    assert code == -signal.SIGKILL
    models = next(root.glob("*/t1")).parent  # the run's folder, named by its content
    state = torch.load(models / "t1" / "last.pt", weights_only=True)
    assert state["epoch"] < 3 and not (models / "t1" / "manifest.json").exists()
    done_epochs = {h["epoch"]: h["seconds"] for h in state["history"]}
    _run(cohort, tmp_path / "killed", tmp_path / "killed.csv")
    history = pd.read_csv(models / "t1" / "history.csv")
    assert history["epoch"].tolist() == [1, 2, 3, 4]
    for epoch, seconds in done_epochs.items():  # not trained again: same recorded time
        assert history.loc[history["epoch"] == epoch, "seconds"].item() == pytest.approx(seconds)
    plain = pd.read_csv(tmp_path / "plain.csv")
    resumed = pd.read_csv(tmp_path / "killed.csv")
    assert plain["row"].tolist() == resumed["row"].tolist()
    for col in ("p_t1", "p_flair"):
        assert resumed[col].to_numpy() == pytest.approx(plain[col].to_numpy(), abs=1e-5)
