"""The GPU check's and the fan-out bench's results for the book's appendix
(``bench/results/gpu_check.json``, ``bench/results/grid.json``)."""

from __future__ import annotations

import pandas as pd

from .bench import not_measured, read_result


def gpu_throughput_table(path) -> pd.DataFrame:
    """The GPU check's training and inference rates per backbone (``bench/gpu_check.py``):
    model alone, the full data path (device-resident uint8 set, batched augmentation,
    normalisation) and their ratio; for GoogLeNet also compiled, CUDA graphs and the pinned
    host path. A missing file gives the "not measured" row.

    Args:
        path: ``bench/results/gpu_check.json``.

    Example:
        >>> gpu_throughput_table("bench/results/gpu_check.json")
    """
    data = read_result(path)
    if data is None:
        return not_measured(path, "no GPU was lent to a session since bench/gpu_check.py "
                                  "exists")
    t = data["throughput"]
    rows = []
    for r in [t["googlenet"], *t["backbones"]]:
        if "error" in r:
            rows.append({"backbone": r["backbone"], "note": r["error"]})
            continue
        rows.append({"backbone": r["backbone"], "model alone (img/s)": r["model_alone_img_s"],
                     "data path (img/s)": r.get("data_path_img_s"),
                     "data path / model alone": r.get("data_path_over_model_alone"),
                     "CUDA graphs data path (img/s)": r.get("cudagraphs_data_path_img_s"),
                     "compiled data path (img/s)": r.get("compiled_data_path_img_s"),
                     "pinned host path (img/s)": r.get("pinned_host_img_s"),
                     "inference (img/s)": r["inference_img_s"],
                     "peak GPU memory (MiB)": r.get("train_peak_gpu_mib")})
    return pd.DataFrame(rows).set_index("backbone").dropna(axis=1, how="all")


def gpu_projection_table(path) -> pd.DataFrame:
    """The `paper` book's networks by group with the training images each sees, the measured
    rate and mode used for it, and the projected hours on the GPU of the check.

    Args:
        path: ``bench/results/gpu_check.json``.

    Example:
        >>> gpu_projection_table("bench/results/gpu_check.json")["hours"].sum()
    """
    data = read_result(path)
    if data is None or "projection" not in data:
        return not_measured(path, "no GPU projection measured")
    frame = pd.DataFrame(data["projection"]["groups"])
    frame["hours"] = frame["seconds"] / 3600
    return frame.rename(columns={"images_each": "images per network", "img_s": "img/s"}
                        ).drop(columns="seconds").set_index("group")


def gpu_recipe_table(path) -> pd.DataFrame:
    """Two epochs of the `paper` recipe on the small synthetic cohort: the FLAIR network's
    losses on CUDA and, with the same seed, on the CPU (close, not equal).

    Args:
        path: ``bench/results/gpu_check.json``.

    Example:
        >>> gpu_recipe_table("bench/results/gpu_check.json")
    """
    data = read_result(path)
    if data is None or "flair_cuda_vs_cpu" not in data.get("recipe", {}):
        return not_measured(path, "no CUDA/CPU recipe comparison")
    return pd.DataFrame(data["recipe"]["flair_cuda_vs_cpu"]).set_index("epoch")


def grid_table(path) -> pd.DataFrame:
    """The fan-out benchmark (``bench/bench_grid.py``): the default plan's cross-validation
    networks on this CPU per worker count, and the `paper` book's training hours on 1, 4 and
    8 GPUs of the GPU check's kind.

    Args:
        path: ``bench/results/grid.json``.

    Example:
        >>> grid_table("bench/results/grid.json")
    """
    data = read_result(path)
    if data is None:
        return not_measured(path)
    rows = [{"where": f"CPU, {r['workers']} worker(s) × {r['threads_each']} thread(s)",
             "what": f"{r['networks']} cross-validation networks (default)",
             "hours": r["seconds"] / 3600, "minutes": r["seconds"] / 60}
            for r in data["cpu"] if "workers" in r]
    gpu = data.get("gpu") or {}
    for k, hours in gpu.get("hours", {}).items():
        rows.append({"where": f"{k} × {gpu.get('device')} (projected)",
                     "what": f"the paper book's {gpu.get('networks')} networks",
                     "hours": hours, "minutes": hours * 60})
    return pd.DataFrame(rows).set_index("where")
