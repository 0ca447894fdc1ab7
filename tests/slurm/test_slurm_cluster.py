"""``glioma-grade train --executor slurm`` against a real one-node SLURM cluster
(``tests/slurm/start.sh``): the smoke plan trains as a job array, one task requeued mid-training
(``scontrol requeue``) resumes from its last epoch and ends with the predictions of an
uninterrupted run, and the smoke book then builds without training anything from the results
folder moved to another path (caches that travel).

Runs in ``make test`` wherever the cluster can start (root and Debian's ``slurm-wlm``, which
``start.sh`` installs); ``make test-slurm`` runs it alone."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

HERE = Path(__file__).parent
ROOT = HERE.parents[1]
pytestmark = [pytest.mark.slurm, pytest.mark.slow]


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    if sys.platform != "linux" or os.geteuid() != 0:
        pytest.skip("a one-node SLURM needs Linux and root (slurmd runs as root here)")
    folder = tmp_path_factory.mktemp("slurm")
    started = subprocess.run(["bash", str(HERE / "start.sh"), str(folder)], capture_output=True,
                             text=True, timeout=600)
    if started.returncode == 3:  # not installable here (no root / no Debian packages)
        pytest.skip(f"SLURM cannot start here: {started.stderr.strip()}")
    assert started.returncode == 0, f"start.sh failed:\n{started.stdout}\n{started.stderr}"
    conf = started.stdout.strip().rsplit("=", 1)[1]
    yield {"SLURM_CONF": conf}
    subprocess.run(["bash", str(HERE / "stop.sh"), str(folder)], timeout=120)


def _env(cluster: dict, results: Path, **extra) -> dict:
    return {**os.environ, **cluster, "GLIOMA_RESULTS": str(results),
            "GLIOMA_BUILD": str(results.parent / "build"), **extra}


def _requeue_mid_training(proc: subprocess.Popen, grid: Path, env: dict,
                          timeout: float = 900) -> tuple[str, Path]:
    """Wait until a running task's unit has saved an epoch (``last.pt``) but not finished, then
    ``scontrol requeue`` that task; returns its job id and model folder."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and proc.poll() is None:
        for log in grid.glob("*.log") if grid.exists() else []:
            text = log.read_text()
            job = re.search(r"\[slurm\] job (\d+_\d+) attempt 1", text)
            where = re.search(r"-> (\S+) \((\d+) epochs\)", text)
            if not (job and where):
                continue
            folder = Path(where.group(1))
            if (folder / "last.pt").exists() and not (folder / "manifest.json").exists() \
                    and _epochs_left(folder, int(where.group(2))) > 0:
                subprocess.run(["scontrol", "requeue", job.group(1)], env=env, check=True)
                return job.group(1), folder
        time.sleep(0.2)
    pytest.fail("no task was caught between its first epoch and its end")


def _epochs_left(folder: Path, epochs: int) -> int:
    import torch

    try:
        state = torch.load(folder / "last.pt", weights_only=True)
    except Exception:  # being written
        return 0
    return epochs - int(state["epoch"]) - 1


def _predictions(unit_name: str, sequence: str, results: Path) -> list[float]:
    """The unit's test predictions, from its saved model (no training: the model exists)."""
    code = f"""
import json, sys
from glioma_lib.config import get_profile
from glioma_lib.data.stages import prepare_data
from glioma_lib.training.experiment import predict_split, train_sequence
from glioma_lib.training.recipe import plan, spec_of
data = prepare_data(get_profile("smoke"), None, progress=False)
unit = next(u for u in plan(data) if u.name == {unit_name!r} and u.sequence == {sequence!r})
spec = spec_of(data, unit.recipe)
runs = {{{sequence!r}: train_sequence(spec, {sequence!r})}}
frame = predict_split(spec, runs, "test")
print(json.dumps(frame[[c for c in frame if c.startswith("p_")]].round(6).values.ravel().tolist()))
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env=_env({}, results, GLIOMA_NO_TRAINING="1"), check=True)
    return __import__("json").loads(out.stdout.strip().splitlines()[-1])


def _train_one(unit_name: str, sequence: str, results: Path) -> None:
    """The same unit trained uninterrupted, with one thread as the SLURM task had."""
    code = f"""
import torch
torch.set_num_threads(1)
from glioma_lib.data.stages import prepare_data
from glioma_lib.config import get_profile
from glioma_lib.training.grid import train_unit
from glioma_lib.training.recipe import plan
data = prepare_data(get_profile("smoke"), None, progress=False)
unit = next(u for u in plan(data) if u.name == {unit_name!r} and u.sequence == {sequence!r})
train_unit("smoke", None, unit)
"""
    subprocess.run([sys.executable, "-c", code], env=_env({}, results), check=True,
                   capture_output=True, timeout=900)


def test_smoke_plan_on_a_real_slurm_cluster_survives_a_requeue(cluster, tmp_path):
    results = tmp_path / "results"
    env = _env(cluster, results)
    grid = results / "smoke" / "grid"
    cmd = [str(Path(sys.executable).parent / "glioma-grade"), "train", "--profile", "smoke",
           "--executor", "slurm"]
    with open(tmp_path / "train.out", "w") as out:
        proc = subprocess.Popen(cmd, env=env, stdout=out, stderr=subprocess.STDOUT)
        job, folder = _requeue_mid_training(proc, grid, env)
        code = proc.wait(timeout=1800)
    printed = (tmp_path / "train.out").read_text()
    assert code == 0, printed
    assert "0 GPU(s)" in printed or "slurm: 0 GPU" in printed or "GPU(s) and 1 CPU" in printed
    summary = __import__("pandas").read_csv(grid / "summary.csv")
    assert len(summary) > 20 and set(summary["status"]) == {"trained"}, summary
    log = next(p for p in grid.glob("*.log") if f"job {job} attempt 1" in p.read_text())
    text = log.read_text()
    assert f"job {job} attempt 2" in text, text  # the requeued task ran again ...
    assert re.search(rf"resuming {re.escape(str(folder))} after epoch \d+", text), text
    history = __import__("pandas").read_csv(folder / "history.csv")
    assert history["epoch"].tolist() == list(range(1, len(history) + 1))  # ... and resumed
    unit_line = re.search(r"\[train\] (\S+) (\S+) -> ", text)
    unit, sequence = unit_line.group(1), unit_line.group(2)
    plain = tmp_path / "plain"
    _train_one(unit, sequence, plain)
    assert _predictions(unit, sequence, results) == pytest.approx(
        _predictions(unit, sequence, plain), abs=1e-5)
    # trained "on the cluster", rendered "elsewhere": the results folder (cohort, slices,
    # models) moved to another path is reused whole, so the book trains nothing
    moved = tmp_path / "elsewhere" / "results"
    moved.parent.mkdir()
    shutil.move(results, moved)
    build = subprocess.run([str(Path(sys.executable).parent / "glioma-grade"), "book",
                            "--profile", "smoke"], env=_env({}, moved, GLIOMA_NO_TRAINING="1"),
                           capture_output=True, text=True, timeout=1800)
    assert build.returncode == 0, build.stdout[-3000:] + build.stderr[-3000:]
    assert "[train]" not in build.stdout.replace("[train] resuming", "")
