"""A grid worker (``train_unit``, what a local worker or a SLURM task runs) killed with SIGKILL
mid-run, then rerun: its lock is taken over and it resumes from its last epoch, ending with
the predictions of an uninterrupted run."""

from __future__ import annotations

import signal
from pathlib import Path

import pytest
import torch
from conftest import FirstFile, run_killable, tiny_cohort

SCRIPT = """
import sys

import torch

from glioma_lib.config import get_profile
from glioma_lib.data.stages import prepare_data
from glioma_lib.training.grid import train_unit
from glioma_lib.training.recipe import plan, run_recipe

torch.set_num_threads(1)
over = dict(image_size=48, extra_epochs=4, batch_size=8, workers=1)
data = prepare_data(get_profile("smoke", **over), sys.argv[1], progress=False)
unit = next(u for u in plan(data) if u.name == "transfer:transfer-scratch")
train_unit("smoke", sys.argv[1], unit, over)
run_recipe(data, unit.recipe).predictions.to_csv(sys.argv[2], index=False)
"""


def _run(cohort: Path, results: Path, out: Path, kill_when=None):
    return run_killable(SCRIPT, cohort, results, out, kill_when)


@pytest.mark.slow
def test_a_killed_grid_worker_resumes_and_matches_an_uninterrupted_run(tmp_path):
    import pandas as pd

    cohort = tiny_cohort(tmp_path / "MICCAI_BraTS_2019_Data_Training", "GRD",
                         shape=(48, 48, 16))
    _run(cohort, tmp_path / "plain", tmp_path / "plain.csv")
    from glioma_lib.config import get_profile, run_name

    over = dict(image_size=48, extra_epochs=4, batch_size=8, workers=1)
    models = tmp_path / "killed" / run_name(get_profile("smoke", **over)) / "models"
    code = _run(cohort, tmp_path / "killed", tmp_path / "killed.csv",
                kill_when=FirstFile(models, "*/flair/last.pt"))
    assert code == -signal.SIGKILL
    folder = next(models.glob("*/flair"))
    assert (folder / ".lock").exists()  # left behind by the killed worker
    state = torch.load(folder / "last.pt", weights_only=True)
    assert state["epoch"] < 3 and not (folder / "manifest.json").exists()
    _run(cohort, tmp_path / "killed", tmp_path / "killed.csv")  # takes the dead lock over
    history = pd.read_csv(folder / "history.csv")
    assert history["epoch"].tolist() == [1, 2, 3, 4] and not (folder / ".lock").exists()
    plain = pd.read_csv(tmp_path / "plain.csv")
    resumed = pd.read_csv(tmp_path / "killed.csv")
    assert resumed["p_flair"].to_numpy() == pytest.approx(plain["p_flair"].to_numpy(), abs=1e-5)
