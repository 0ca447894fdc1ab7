"""Benchmark: the book's trainings fanned out (issue: fan-out of the book's trainings).

1. On this CPU: the default plan's cross-validation networks (``--only cv``: 15
   EfficientNet-Lite0 networks of chapter 7) trained by ``glioma-grade train``'s local executor
   with 1 worker × all cores and with 2 workers × half the cores each; the faster becomes the
   local default on a CPU. Runs in a temporary results folder (the default cohort linked in,
   the slice stage rebuilt there), so the book's own models are never touched.
2. On GPUs: the `paper` book's networks (``bench/results/gpu_check.json``'s projection, one
   measured rate per backbone) scheduled on 1, 4 and 8 GPUs, longest first
   (:func:`glioma_lib.reporting.budget.makespan`).

Writes ``bench/results/grid.json``.

    python bench/bench_grid.py
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
from pathlib import Path

from _common import envelope, write_result

OUT = Path(__file__).parent / "results"


def cpu_configs(results: Path, configs: tuple[int, ...] = (1, 2)) -> list[dict]:
    """Wall seconds of the default plan's cv group per worker count (fresh models each)."""
    from glioma_lib.config import get_profile, stage_dir
    from glioma_lib.data.stages import prepare_data
    from glioma_lib.training.grid import train_plan

    tmp = Path(tempfile.mkdtemp(prefix="bench_grid_"))
    os.environ["GLIOMA_RESULTS"] = str(tmp)
    (tmp / "cohorts").symlink_to(results / "cohorts")
    profile = get_profile("default")
    start = time.perf_counter()
    prepare_data(profile, progress=False)
    rows = [{"stage": "data (slices rebuilt in the temporary folder)",
             "seconds": time.perf_counter() - start}]
    try:
        for workers in configs:
            shutil.rmtree(stage_dir(profile, "models"), ignore_errors=True)
            start = time.perf_counter()
            summary = train_plan("default", workers=workers, only=["cv"], log=print)
            rows.append({"workers": workers,
                         "threads_each": max(1, (os.cpu_count() or 1) // workers),
                         "networks": int((summary["status"] == "trained").sum()),
                         "failed": int((summary["status"] == "failed").sum()),
                         "seconds": time.perf_counter() - start,
                         "unit_seconds": summary["seconds"].dropna().tolist()})
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return rows


def gpu_projection(gpu_check: Path) -> dict | None:
    """The paper book's training hours on 1, 4 and 8 GPUs of the GPU check's kind."""
    from glioma_lib.reporting.budget import makespan

    if not gpu_check.exists():
        return None
    data = json.loads(gpu_check.read_text())
    groups = data.get("projection", {}).get("groups", [])
    durations = [g["seconds"] / g["networks"] for g in groups if g.get("seconds")
                 for _ in range(g["networks"])]
    return {"device": data.get("device"), "networks": len(durations),
            "hours": {str(k): makespan(durations, k) / 3600 for k in (1, 4, 8)},
            "longest_network_hours": max(durations) / 3600 if durations else None}


def main() -> None:
    from glioma_lib.config import get_profile, results_root

    env = envelope(get_profile("default"))  # taken at the start: the checkout that ran it
    results = results_root()
    cpu = cpu_configs(results)
    runs = [r for r in cpu if "workers" in r]
    best = min(runs, key=lambda r: r["seconds"])
    result = {**env, "cpu": cpu, "cpu_best_workers": best["workers"],
              "two_workers_over_one": (next(r["seconds"] for r in runs if r["workers"] == 1)
                                       / next(r["seconds"] for r in runs if r["workers"] == 2)),
              "gpu": gpu_projection(OUT / "gpu_check.json")}
    if result["gpu"]:
        result["paper_hours_8_gpus"] = result["gpu"]["hours"]["8"]
    write_result(OUT / "grid.json", result)


if __name__ == "__main__":
    main()
