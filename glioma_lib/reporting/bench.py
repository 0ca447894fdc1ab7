"""The benchmark results (``bench/results/*.json``) and targets (``bench/targets.json``) as
the tables of the performance appendix."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from ..config import project_root


def checkout_commit() -> str | None:
    """The project checkout's short commit, with ``+changes`` when tracked files differ from
    it (what a benchmark result records as its provenance), or None without git.

    Example:
        >>> checkout_commit()
        '42b0ac3'
    """
    import subprocess

    root = project_root()
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=root, check=True,
                              capture_output=True, text=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"],
                               cwd=root, capture_output=True, text=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None
    return head + ("+changes" if dirty else "")


def _read(path) -> dict | None:
    path = Path(path)
    return json.loads(path.read_text()) if path.exists() else None


def _missing(path, why: str | None = None) -> pd.DataFrame:
    """The one-row table a result file that does not exist yet (or says ``why`` it holds no
    result) is shown as."""
    text = f"not measured: {why}" if why else f"not measured yet (run make bench): " \
                                              f"{Path(path).name}"
    return pd.DataFrame({"value": [text]}, index=pd.Index(["result"], name="measure"))


def bench_table(path, keys: dict[str, str] | None = None) -> pd.DataFrame:
    """A benchmark result file (``bench/results/*.json``) as a two-column table.

    ``keys`` picks and renames entries; a missing file gives a one-row table saying so, so
    the book shows that the figure was not measured rather than hiding it.

    Args:
        path: the JSON file a bench wrote.
        keys: result key → row label (default: every key, as is).

    Example:
        >>> bench_table("bench/results/predict.json", {"command_with_mask_s": "seconds"})
    """
    data = _read(path)
    if data is None:
        return _missing(path)
    keys = keys or {k: k for k in data}
    rows = {label: data.get(key, "—") for key, label in keys.items()}
    return pd.DataFrame({"value": [str(round(v, 2)) if isinstance(v, float) else str(v)
                                   for v in rows.values()]},
                        index=pd.Index(list(rows), name="measure"))


def format_measure(value) -> str:
    """A measured value for a table: 3 significant digits, whole numbers from 100 up."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return str(value)
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.3g}"


def _target(row: dict) -> str:
    """The target as text (``"—"`` where a row only reports)."""
    if "at_most" in row:
        return row.get("target", f"≤ {format_measure(row['at_most'])}")
    if "at_least" in row:
        return row.get("target", f"≥ {format_measure(row['at_least'])}")
    return "—"


def meets(row: dict, value: float) -> bool | None:
    """Whether ``value`` meets the row's ``at_most`` / ``at_least`` bound (None: no bound)."""
    if "at_most" in row:
        return value <= row["at_most"]
    if "at_least" in row:
        return value >= row["at_least"]
    return None


def bench_summary(folder, targets=None) -> pd.DataFrame:
    """Every performance target of the project beside its measured value.

    Rows whose file is missing say "not measured", so the book never hides a gap.

    Args:
        folder: ``bench/results``.
        targets: the targets file (default ``bench/targets.json``): a list of ``file``,
            ``key``, ``label`` and optionally ``at_most`` / ``at_least`` / ``target`` text.

    Example:
        >>> bench_summary(project_root() / "bench" / "results")
    """
    folder = Path(folder)
    targets = Path(targets or project_root() / "bench" / "targets.json")
    rows = []
    for row in json.loads(targets.read_text()):
        path = folder / row["file"]
        value = json.loads(path.read_text()).get(row["key"]) if path.exists() else None
        target = _target(row)
        if value is None:
            rows.append({"measure": row["label"], "value": "not measured", "target": target,
                         "met": "—", "file": row["file"]})
            continue
        ok = meets(row, value)
        rows.append({"measure": row["label"], "value": format_measure(value), "target": target,
                     "met": "—" if ok is None else ("yes" if ok else "no"), "file": row["file"]})
    return pd.DataFrame(rows).set_index("measure")


def raw_results(folder) -> str:
    """Every benchmark result file of ``folder``, as indented JSON under its name.

    Args:
        folder: ``bench/results``.

    Example:
        >>> print(raw_results(project_root() / 'bench' / 'results'))
    """
    parts = [f"--- {path.name}\n{json.dumps(json.loads(path.read_text()), indent=1)}"
             for path in sorted(Path(folder).glob("*.json"))]
    return "\n".join(parts)


def throughput_table(path) -> pd.DataFrame:
    """bf16/fp32 training and inference rates per backbone and image size
    (``bench/results/precision_throughput.json``).

    Args:
        path: the throughput bench's JSON.

    Example:
        >>> throughput_table("bench/results/precision_throughput.json")
    """
    data = _read(path)
    if data is None:
        return _missing(path)
    frame = pd.DataFrame(data["rows"]).set_index(["backbone", "size"])
    columns = {"train_fp32_img_per_s": "train fp32 (img/s)",
               "train_bf16_img_per_s": "train bf16 (img/s)",
               "train_bf16_over_fp32": "train bf16 / fp32",
               "infer_fp32_img_per_s": "infer fp32 (img/s)",
               "infer_bf16_img_per_s": "infer bf16 (img/s)",
               "infer_bf16_over_fp32": "infer bf16 / fp32"}
    return frame[list(columns)].rename(columns=columns)


EQUIVALENCE_MEASURES = ("val_loss", "val_auc", "val_accuracy")
#: The measures where lower is better (the others: higher is better).
LOWER_IS_BETTER = frozenset({"val_loss", "train_seconds"})


def _side(measure: str, mean: float, lo: float, hi: float) -> str:
    """Where ``mean`` lies against the range ``lo``–``hi``: ``"within"``, or outside on the
    ``"better"`` or ``"worse"`` side for ``measure``."""
    if lo <= mean <= hi:
        return "within"
    above = mean > hi
    return "worse" if above == (measure in LOWER_IS_BETTER) else "better"


def equivalence_summary(runs: list[dict], seeds: list[int] | None = None) -> dict:
    """bf16 against fp32 over the runs of the given seeds (all by default): per measure, each
    arithmetic's mean, min and max, whether bf16's mean lies within fp32's seed-to-seed
    range (``bf16_side``: ``within``, or outside on the ``better`` or ``worse`` side), and
    Welch's t-test p-value of the difference of the means (``welch_p``,
    ``scipy.stats.ttest_ind``); and the training speed-up, from each arithmetic's fastest run
    (another process on the machine can only slow a run down, so the fastest is the least
    disturbed).

    Args:
        runs: one dict per trained model: ``precision``, ``seed``, the measures,
            ``train_seconds``.
        seeds: the seeds to summarise.

    Example:
        >>> equivalence_summary(json.load(open(path))["runs"], seeds=[2022, 1, 2])
    """
    from scipy.stats import ttest_ind

    runs = [r for r in runs if seeds is None or r["seed"] in seeds]
    summary = {}
    for measure in (*EQUIVALENCE_MEASURES, "train_seconds"):
        values = {c: [r[measure] for r in runs if r["precision"] == c] for c in ("fp32", "bf16")}
        lo, hi = min(values["fp32"]), max(values["fp32"])
        mean = sum(values["bf16"]) / len(values["bf16"])
        side = _side(measure, mean, lo, hi)
        summary[measure] = {
            "fp32_mean": sum(values["fp32"]) / len(values["fp32"]), "fp32_min": lo,
            "fp32_max": hi, "bf16_mean": mean, "bf16_min": min(values["bf16"]),
            "bf16_max": max(values["bf16"]), "bf16_mean_within_fp32_spread": side == "within",
            "bf16_side": side,
            "welch_p": float(ttest_ind(values["bf16"], values["fp32"], equal_var=False).pvalue)}
    shifts = [abs(r["val_loss_fp32_inference"] - r["val_loss"]) for r in runs
              if r["precision"] == "bf16" and "val_loss_fp32_inference" in r]
    return {"seeds": sorted({r["seed"] for r in runs}), "summary": summary,
            "bf16_models_fp32_inference_loss_shift": max(shifts) if shifts else None,
            "bf16_within_fp32_spread": all(summary[m]["bf16_mean_within_fp32_spread"]
                                           for m in EQUIVALENCE_MEASURES),
            # the weaker reading: no measure outside fp32's range on the worse side
            "bf16_not_worse_than_fp32_spread": all(summary[m]["bf16_side"] != "worse"
                                                   for m in EQUIVALENCE_MEASURES),
            "train_speedup": summary["train_seconds"]["fp32_min"]
            / summary["train_seconds"]["bf16_min"]}


def equivalence_table(path, seeds: list[int] | None = None) -> pd.DataFrame:
    """bf16 against fp32 over seeds: mean and range of each validation figure, and whether
    bf16's mean lies within fp32's seed-to-seed range (``precision_equivalence.json``;
    :func:`equivalence_summary` of its runs).

    Args:
        path: the equivalence bench's JSON.
        seeds: the seeds to summarise (default: all the bench ran).

    Example:
        >>> equivalence_table("bench/results/precision_equivalence.json", seeds=[2022, 1, 2])
    """
    data = _read(path)
    if data is None:
        return _missing(path)
    summary = equivalence_summary(data["runs"], seeds)["summary"]
    rows = []
    for metric in EQUIVALENCE_MEASURES:
        s = summary[metric]
        rows.append({"measure": metric.replace("_", " "),
                     "fp32 mean": s["fp32_mean"], "fp32 range": f"{s['fp32_min']:.4g} – "
                                                                 f"{s['fp32_max']:.4g}",
                     "bf16 mean": s["bf16_mean"], "bf16 range": f"{s['bf16_min']:.4g} – "
                                                                 f"{s['bf16_max']:.4g}",
                     "bf16 within fp32's range": {"within": "yes", "better": "no: better",
                                                  "worse": "no: worse"}[s["bf16_side"]],
                     "Welch p (bf16 vs fp32 means)": s["welch_p"]})
    return pd.DataFrame(rows).set_index("measure")


def equivalence_verdict(path, seeds: list[int] | None = None) -> str:
    """One sentence on :func:`equivalence_table`'s outcome, computed from the runs: which
    measures put bf16's mean inside fp32's seed-to-seed range and which do not (with the
    numbers), and the training speed-up.

    Args:
        path: the equivalence bench's JSON.
        seeds: the seeds to summarise (default: all the bench ran).

    Example:
        >>> equivalence_verdict("bench/results/precision_equivalence.json", [2022, 1, 2])
    """
    data = _read(path)
    if data is None:
        return _missing(path).iloc[0, 0]
    result = equivalence_summary(data["runs"], seeds)
    summary, n = result["summary"], len(result["seeds"])
    inside = [m.replace("_", " ") for m in EQUIVALENCE_MEASURES
              if summary[m]["bf16_mean_within_fp32_spread"]]
    outside = [f"{m.replace('_', ' ')}, on the {summary[m]['bf16_side']} side (bf16 "
               f"{summary[m]['bf16_mean']:.3f} against fp32 "
               f"{summary[m]['fp32_min']:.3f}–{summary[m]['fp32_max']:.3f}; the means differ "
               f"with Welch p = {summary[m]['welch_p']:.2f})"
               for m in EQUIVALENCE_MEASURES if not summary[m]["bf16_mean_within_fp32_spread"]]
    text = f"over {n} seeds, bf16's mean lies within fp32's range for " + (
        ", ".join(inside) if inside else "no measure")
    if outside:
        text += "; outside it for " + ", ".join(outside)
    shift = result["bf16_models_fp32_inference_loss_shift"]
    if shift is not None:
        text += (f"; evaluated in fp32, the bf16-trained models' validation loss moves by at "
                 f"most {shift:.3f}, so what differs comes from training, not inference")
    return text + f"; bf16 trained {result['train_speedup']:.2f}× faster"


def options_table(path) -> pd.DataFrame:
    """Default-profile options with their (measured or projected) book time, and the one
    closest to the paper that fits (``bench/results/options.json``).

    Args:
        path: the options bench's JSON.

    Example:
        >>> options_table("bench/results/options.json")
    """
    data = _read(path)
    if data is None:
        return _missing(path)
    frame = pd.DataFrame(data["rows"])
    chosen = data["closest_to_paper"]
    keys = ["image size (px)", "epochs", "offline 6×"]
    frame["closest to the paper"] = [
        "◀" if all(row[k] == chosen[k] for k in keys) else "" for _, row in frame.iterrows()]
    frame["fits"] = frame["fits"].map({True: "yes", False: "no"})
    frame["offline 6×"] = frame["offline 6×"].map({True: "yes", False: "no"})
    return frame.set_index(keys)


def fp32_options_table(path) -> pd.DataFrame:
    """The choice that sized the default profile on a CPU without native bf16: its main
    networks' backbone and epochs with the book time each gives there, measured or projected
    (``bench/results/options_fp32.json``, made by ``bench/bench_options.py --fp32``).

    Args:
        path: the JSON.

    Example:
        >>> fp32_options_table("bench/results/options_fp32.json")
    """
    data = _read(path)
    if data is None:
        return _missing(path)
    frame = pd.DataFrame(data["rows"])
    chosen = data.get("closest_to_paper") or {}
    keys = ["main backbone", "epochs"]
    frame["chosen"] = ["◀" if all(row[k] == chosen.get(k) for k in keys) else ""
                       for _, row in frame.iterrows()]
    frame["fits"] = frame["fits"].map({True: "yes", False: "no"})
    return frame.set_index(keys)


#: The realism statistics the book shows, in words (``bench/results/realism.json``).
REALISM_ROWS = {
    "tumour_cm3": "whole tumour (cm³)",
    "fraction_1": "core (label 1) / whole tumour", "fraction_2": "oedema (label 2) / whole tumour",
    "fraction_4": "enhancing (label 4) / whole tumour",
    **{f"{s}_ratio_{k}": f"{n}: label {k} / white matter" for s, n in
       (("t1", "T1"), ("t2", "T2"), ("flair", "FLAIR")) for k in (1, 2, 4)},
    **{f"{s}_wm_cv": f"{n}: white-matter SD / mean" for s, n in
       (("t1", "T1"), ("t2", "T2"), ("flair", "FLAIR"))},
    "flair_glcm_contrast": "FLAIR tumour GLCM contrast",
    "flair_glcm_homogeneity": "FLAIR tumour GLCM homogeneity",
    "flair_skew": "FLAIR brain histogram skewness",
    "t1_p99_over_p50": "T1 brain 99th / 50th percentile",
}


def realism_table(path) -> pd.DataFrame:
    """Real against synthetic patients: the median of each realism statistic per source and
    grade (``bench/results/realism.json``, made by ``bench/bench_realism.py``).

    Args:
        path: the realism bench's JSON.

    Example:
        >>> realism_table("bench/results/realism.json")
    """
    data = _read(path)
    if data is None:
        return _missing(path)
    summary = pd.DataFrame(data["summary"]).T
    rows = [k for k in REALISM_ROWS if k in summary.index]
    table = summary.loc[rows].rename(index=REALISM_ROWS)
    table.loc["patients"] = summary.loc["patients"]
    table.index.name = "statistic (median)"
    return table


def result_image(path):
    """A benchmark's committed PNG for display in a chapter, or a line saying it is missing.

    Args:
        path: the PNG under ``bench/results``.

    Example:
        >>> result_image("bench/results/realism_montage.png")
    """
    from IPython.display import Image

    path = Path(path)
    if not path.exists():
        return f"not made yet: {path.name} (run the benchmark that writes it)"
    return Image(filename=str(path))


def real_patients_table(path) -> pd.DataFrame:
    """The default networks (trained on the synthetic cohort) grading the real sample: one
    row per patient and window method (``bench/results/real_patients.json``, made by
    ``bench/bench_real_patients.py``), or a line saying why there is none.

    Args:
        path: the real-patients bench's JSON.

    Example:
        >>> real_patients_table("bench/results/real_patients.json")
    """
    data = _read(path)
    if data is None:
        return _missing(path)
    if "skipped" in data:
        return _missing(path, data["skipped"])
    table = pd.DataFrame(data["patients"]).drop(columns=["weights"], errors="ignore")
    return table.set_index(["window", "patient_id"]).sort_index()



def site_results(path, cohort: str = "de-confounded") -> tuple[pd.DataFrame, dict]:
    """One cohort's site experiments as the bench ran them (``bench/results/sites.json``, made
    by ``bench/bench_sites.py``): the :func:`glioma_lib.training.shortcut.site_experiments`
    rows (empty where there are none) and a ``provenance`` text. (The file's stored
    ``conclusion`` is not returned: chapter 7 words it afresh with
    :func:`~glioma_lib.training.shortcut.site_conclusion`, so it follows the current wording.)

    Args:
        path: the site bench's JSON.
        cohort: the cohort's name in the file (``"as in BraTS 2019"``, ``"de-confounded"``).

    Example:
        >>> rows, info = site_results("bench/results/sites.json")
    """
    data = _read(path)
    part = (data or {}).get("cohorts", {}).get(cohort)
    if part is None:
        why = "not measured yet (run make bench)" if data is None else f"no {cohort!r} cohort"
        return pd.DataFrame(), {"provenance": f"{why}: {Path(path).name}"}
    provenance = (f"bench/bench_sites.py, {data['profile']} profile, commit {data['commit']}, "
                  f"generator v{data['generator_version']}")
    rows = pd.DataFrame(part["rows"]).set_index("experiment")
    return rows, {"provenance": provenance}


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
    data = _read(path)
    if data is None:
        return _missing(path, "no GPU was lent to a session since bench/gpu_check.py exists")
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
    data = _read(path)
    if data is None or "projection" not in data:
        return _missing(path, "no GPU projection measured")
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
    data = _read(path)
    if data is None or "flair_cuda_vs_cpu" not in data.get("recipe", {}):
        return _missing(path, "no CUDA/CPU recipe comparison")
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
    data = _read(path)
    if data is None:
        return _missing(path)
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
