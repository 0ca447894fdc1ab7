"""Benchmark: the default profile's options (image size, epochs, offline 6×) and their book
time on this machine, and the one closest to the paper that fits 45 minutes (issue 14).

Reads a measured cold build of the default book (``bench/results/book_default.json`` and the
model cards it left under ``results/default/models/``, whose ``train_seconds`` are measured)
and the bf16 training rates of ``bench/results/precision_throughput.json``; projects every
option with :mod:`glioma_lib.reporting.budget`. Writes ``bench/results/options.json``.

    python bench/bench_options.py
"""

from __future__ import annotations

import json
import os
import platform
from pathlib import Path

from glioma_lib.config import get_profile, stage_dir
from glioma_lib.reporting.budget import closest_to_paper, option_table, training_runs

OUT = Path(__file__).parent / "results"
SIZES = (96, 128, 160, 224)
#: (epochs, offline 6×). At least 5 epochs, so the per-epoch curves of chapter 4 (the
#: paper's Figs. 5 and 6) keep their shape; offline 6× multiplies the images of each epoch.
RECIPES = ((5, False), (10, False), (5, True))


def main() -> None:
    book = json.loads((OUT / "book_default.json").read_text())
    throughput = json.loads((OUT / "precision_throughput.json").read_text())
    profile = get_profile("default")
    runs = training_runs(stage_dir(profile, "models"))
    book_s = book["total_with_cohort_s"]
    budget = book["budget_s"]
    options = [(s, e, o) for s in SIZES for e, o in RECIPES]
    table = option_table(runs, book_s, throughput, options, budget)
    chosen = closest_to_paper(table)
    result = {"machine": f"{platform.machine()}, {os.cpu_count()} cores",
              "measured_build": {"book_total_s": book_s, "image_size": profile.image_size,
                                 "epochs": profile.epochs, "offline_aug": profile.offline_aug,
                                 "precision": book.get("precision"),
                                 "training_s": float(runs["train_seconds"].sum()),
                                 "models": len(runs)},
              "budget_s": budget,
              "rows": table.to_dict(orient="records"),
              "closest_to_paper": {k: (v.item() if hasattr(v, "item") else v)
                                   for k, v in chosen.items()},
              "default_profile_is_closest": bool(
                  (chosen["image size (px)"], chosen["epochs"], chosen["offline 6×"])
                  == (profile.image_size, profile.epochs, profile.offline_aug))}
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "options.json").write_text(json.dumps(result, indent=2, default=str) + "\n")
    print(json.dumps(result, indent=2, default=str))


if __name__ == "__main__":
    main()
