"""bench/gpu_check.py at toy sizes on the CPU: every part runs, so the device check cannot rot
between the sessions that are lent a GPU."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import numpy as np
import pytest
from conftest import tiny_volumes, write_patient

ROOT = Path(__file__).resolve().parents[1]


def _module():
    spec = importlib.util.spec_from_file_location("gpu_check", ROOT / "bench" / "gpu_check.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _data_dir(tmp_path: Path, size: int = 32, n_slices: int = 4) -> Path:
    rng = np.random.default_rng(0)
    data = tmp_path / "gpu"
    n = 6 * n_slices
    arrays = {s: rng.integers(0, 255, (n, size, size), dtype=np.uint8)
              for s in ("t1", "t2", "flair")}
    split = np.array(["train"] * (4 * n_slices) + ["val"] * n_slices + ["test"] * n_slices)
    np.savez_compressed(data.mkdir() or data / "cohort.npz", **arrays,
                        label=np.arange(n) // n_slices % 2, split=split,
                        patient_id=np.repeat([f"P{i}" for i in range(6)], n_slices),
                        image_size=size, n_slices=n_slices)
    for grade, seed in (("HGG", 1), ("LGG", 2)):
        write_patient(data / "brats" / grade, f"BraTS19_GC_{seed:03d}_1", tiny_volumes(seed))
    return data


@pytest.mark.slow
def test_gpu_check_runs_every_part_on_the_cpu(tmp_path):
    gc = _module()
    out = tmp_path / "gpu_check.json"
    gc.run(_data_dir(tmp_path), out, tiny=True)
    result = json.loads(out.read_text())
    assert result["parts_done"] == ["throughput", "recipe", "predict"]
    google = result["throughput"]["googlenet"]
    for key in ("model_alone_img_s", "data_path_img_s", "inference_img_s"):
        assert google[key] > 0
    assert google["training_set_on_device"] is True
    assert [r["backbone"] for r in result["throughput"]["backbones"]] == ["mobilenet_v2"]
    recipe = result["recipe"]
    assert set(recipe["cpu"]) == {"t1", "t2", "flair"}
    assert [h["epoch"] for h in recipe["cpu"]["flair"]["history"]] == [1, 2]
    assert recipe["cpu"]["flair"]["train_images_per_epoch"] == 6 * 16  # offline 6×
    graded = [r for r in result["predict"] if "grade" in r]
    assert len(graded) == 4 and {r["true_grade"] for r in graded} == {"HGG", "LGG"}


def test_projection_picks_the_fastest_mode_per_network():
    gc = _module()
    workload = gc.paper_workload()
    from glioma_lib.config import get_profile
    from glioma_lib.training.recipe import plan
    from glioma_lib.training.workload import brats2019_like, patients_data

    paper = get_profile("paper")
    # the projection counts exactly the networks `glioma-grade train --profile paper` trains
    assert sum(g["networks"] for g in workload) == len(plan(patients_data(
        paper, brats2019_like(paper))))
    assert workload[0]["group"] == "main: slice"
    assert workload[0]["images_each"] == 100 * 6 * 4690  # 100 epochs of the offline 6×
    google = {"data_path_img_s": 5000.0, "compiled_data_path_img_s": 5100.0,
              "compiled_compile_s": 70.0, "cudagraphs_data_path_img_s": 8000.0,
              "cudagraphs_compile_s": 60.0}
    others = [{"backbone": b, "data_path_img_s": 4000.0} for b in gc.OTHER_BACKBONES]
    p = gc.projection({"googlenet": google, "backbones": others})
    modes = {g["group"]: g["mode"] for g in p["groups"]}
    assert modes["main: slice"] == "cudagraphs"
    assert modes["h2h: h2h-googlenet"] == "eager"  # 140,400 images do not repay 60 s
    expected = sum(g["networks"] * (g["images_each"] / g["img_s"] + (60.0 if g["mode"] ==
                   "cudagraphs" else 0.0)) for g in p["groups"]) / 3600
    assert p["hours_one_gpu"] == pytest.approx(expected, abs=0.01)
    assert not p["not_measured"]
