"""The arithmetic benches for the book's appendix: bf16 autocast against fp32, in speed
(``bench/results/precision_throughput.json``) and in what the trained networks reach, seed by
seed (``bench/results/precision_equivalence.json``)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from .bench import not_measured, read_result


def throughput_table(path) -> pd.DataFrame:
    """bf16/fp32 training and inference rates per backbone and image size
    (``bench/results/precision_throughput.json``).

    Args:
        path: the throughput bench's JSON.

    Example:
        >>> throughput_table("bench/results/precision_throughput.json")
    """
    data = read_result(path)
    if data is None:
        return not_measured(path)
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
        >>> import json
        >>> path = "bench/results/precision_equivalence.json"
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
    data = read_result(path)
    if data is None:
        return not_measured(path)
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
    data = read_result(path)
    if data is None:
        return not_measured(path).iloc[0, 0]
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
    speedup = result["train_speedup"]  # fp32's seconds / bf16's
    return text + (f"; bf16 trained {speedup:.2f}× faster" if speedup >= 1 else
                   f"; bf16 trained slower, at {speedup:.2f}× fp32's speed")


MEASURE_NAMES = {"val_accuracy": "accuracy", "val_auc": "AUC", "val_loss": "loss"}


def seed_spread(path, measure: str = "val_accuracy") -> str:
    """How far one network's result moves between training runs that differ only in their
    seed (``bench/results/precision_equivalence.json``: the default profile's FLAIR network,
    five seeds per arithmetic), as a sentence for the chapters; a line saying it was not
    measured where the file is missing.

    Args:
        path: the equivalence bench's JSON.
        measure: the run measure (``val_accuracy``, ``val_auc``, ``val_loss``).

    Example:
        >>> seed_spread("bench/results/precision_equivalence.json")
    """
    data = read_result(path)
    if data is None:
        return "The seed-to-seed spread was not measured (run bench/bench_precision.py)."
    runs = pd.DataFrame(data["runs"])
    parts = [f"{m['precision'].iloc[0]} {m[measure].min():.2f}–{m[measure].max():.2f}"
             for _, m in runs.groupby("precision", sort=True)]
    seeds = runs["seed"].nunique()
    return (f"Retrained with {seeds} seeds and nothing else changed, the "
            f"{data.get('profile', '')} profile's {data.get('sequence', 'flair').upper()} "
            f"network reached a validation {MEASURE_NAMES.get(measure, measure)} of "
            f"{' and '.join(parts)} ({Path(path).name}, {data.get('epochs')} epochs, "
            f"{data.get('image_size')} px)")
