"""Tests of glioma_lib.training.grid: the plan fanned out, then a book that trains nothing."""

from __future__ import annotations

import pytest

from glioma_lib.training import grid


@pytest.fixture
def results(tmp_path, monkeypatch):
    monkeypatch.setenv("GLIOMA_RESULTS", str(tmp_path / "results"))
    monkeypatch.setenv("GLIOMA_BUILD", str(tmp_path / "build"))
    return tmp_path / "results"


@pytest.mark.slow
def test_local_grid_trains_the_smoke_plan_and_the_book_then_trains_nothing(results,
                                                                             monkeypatch):
    from glioma_lib.pipeline import make_book
    from glioma_lib.training.experiment import NO_TRAINING_ENV

    lines = []
    summary = grid.train_plan("smoke", workers=2, log=lines.append)
    assert len(summary) > 20 and set(summary["status"]) == {"trained"}, summary
    assert any("2 worker(s)" in line for line in lines)
    again = grid.train_plan("smoke", workers=2, log=lines.append)
    assert set(again["status"]) == {"reused"}
    monkeypatch.setenv(NO_TRAINING_ENV, "1")  # inherited by the notebooks' kernels
    html = make_book("smoke", log=lambda *_: None)
    assert (html / "index.html").exists()


def test_debug_executor_runs_a_unit_in_process_and_a_failure_is_reported(results,
                                                                          monkeypatch):
    from glioma_lib.training import experiment

    summary = grid.train_plan("smoke", executor="debug", only=["transfer"], log=print,
                              overrides={"epochs": 1, "extra_epochs": 1})
    assert list(summary["status"]) == ["trained", "trained"]  # ImageNet and scratch arms

    def broken(*args, **kwargs):
        raise RuntimeError("out of memory (simulated)")

    monkeypatch.setattr(experiment, "train_model", broken)
    lines = []
    failed = grid.train_plan("smoke", executor="debug", only=["sites"], log=lines.append,
                             overrides={"epochs": 1, "extra_epochs": 1})
    assert set(failed["status"]) == {"failed"}
    row = failed.iloc[0]
    assert "out of memory (simulated)" in open(row["log"]).read()
    assert any(line.startswith("[train] FAILED") and row["log"] in line for line in lines)
    from glioma_lib.config import get_profile
    from glioma_lib.data.stages import prepare_data
    from glioma_lib.training.recipe import plan, spec_of

    data = prepare_data(get_profile("smoke", epochs=1, extra_epochs=1), progress=False)
    for unit in plan(data, only=["sites"]):
        folder = spec_of(data, unit.recipe).folder(unit.sequence)
        assert not (folder / "manifest.json").exists()  # a failed unit vouches for nothing


def test_unknown_executor_is_refused(results):
    with pytest.raises(ValueError, match="executor 'cloud'"):
        grid.train_plan("smoke", executor="cloud")


def test_slurm_resources_come_from_the_cluster_and_the_options():
    cpu_node = [{"cpus": 2, "gpus": 0}]
    assert grid.slurm_resources(nodes=cpu_node) == {"cpus_per_task": 1}  # no gres asked
    assert grid.slurm_resources(nodes=[{"cpus": 64, "gpus": 8}]) == {"cpus_per_task": 8,
                                                                     "gpus_per_node": 1}
    assert grid.slurm_resources(nodes=[{"cpus": 16, "gpus": 4}]) == {"cpus_per_task": 4,
                                                                     "gpus_per_node": 1}
    assert grid.slurm_resources(gpus=2, cpus=6, nodes=[]) == {"cpus_per_task": 6,
                                                              "gpus_per_node": 2}
    assert grid.slurm_resources(gpus=0, nodes=cpu_node) == {"cpus_per_task": 1}
    with pytest.raises(ValueError, match="cpus >= 1"):
        grid.slurm_resources(gpus=0, cpus=0, nodes=cpu_node)


def test_cluster_nodes_reads_sinfo(monkeypatch):
    import subprocess

    def fake(cmd, **kwargs):
        return subprocess.CompletedProcess(cmd, 0, "2|(null)\n32+|gpu:a100:4(S:0-1)\n", "")

    monkeypatch.setattr(subprocess, "run", fake)
    assert grid.cluster_nodes() == [{"cpus": 2, "gpus": 0}, {"cpus": 32, "gpus": 4}]
