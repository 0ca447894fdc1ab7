"""Benchmark: the default profile's options (image size, epochs, offline 6×) and their book
time on this machine, and the one closest to the paper that fits 45 minutes (issue 14).

Reads a measured cold build of the default book (``bench/results/book_default.json`` and the
model cards it left under ``results/default/models/``, whose ``train_seconds`` are measured)
and the bf16 training rates of ``bench/results/precision_throughput.json``; projects every
option with :mod:`glioma_lib.reporting.budget`. Writes ``bench/results/options.json``.

    python bench/bench_options.py [book_default_second_machine.json]

With a build other than ``book_default.json`` (made on another machine with native bf16, its
model cards the ones under ``results/default/models/``), every projection is divided by the
two machines' probe ratio, so the minutes are the first native machine's.

``--fp32`` (on a CPU without native bf16, or a Zen 4 made to compute like one with
``ATEN_CPU_CAPABILITY=avx2 ONEDNN_MAX_CPU_ISA=AVX2``, right after that CPU's cold build):
the choice that sized the default profile. Its main networks (the full recipe) with GoogLeNet
from random initialisation or EfficientNet-Lite0 from ImageNet, 3 or 5 epochs, projected from
``book_default_fp32.json`` and its model cards with both backbones' training rates measured
here by :func:`glioma_lib.training.probe.probe_rate`. Writes ``options_fp32.json``.
``--fp32 book_default_fp32_second_machine.json`` projects from a cold build made on another
machine of that kind (its model cards must be the ones under ``results/default/models/``) and
divides every projection by the two machines' probe ratio, so the minutes are the reference
machine's.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from _common import envelope, write_result

from glioma_lib.config import get_profile, stage_dir
from glioma_lib.reporting.budget import (
    NATIVE_BUILD,
    REFERENCE_BUILD,
    closest_to_paper,
    main_backbone_option,
    option_table,
    probe_ratio,
    training_runs,
)
from glioma_lib.training.probe import probe_rate

OUT = Path(__file__).parent / "results"
SIZES = (96, 128, 160, 224)
#: (epochs, offline 6×). At least 5 epochs, so the per-epoch curves of chapter 4 (the
#: paper's Figs. 5 and 6) keep their shape; offline 6× multiplies the images of each epoch.
RECIPES = ((5, False), (10, False), (5, True))


#: Share of the 45-minute budget an option may take (room for the projection's error and for
#: laptops slower than the 2-core benchmark machine).
HEADROOM = 0.9
#: The main-network options of ``--fp32``, closest to the paper first: ImageNet transfer (the
#: paper's method) before random initialisation, more epochs before fewer.
FP32_OPTIONS = (("efficientnet_lite0", 10), ("efficientnet_lite0", 8), ("efficientnet_lite0", 5),
                ("efficientnet_lite0", 3), ("googlenet", 5), ("googlenet", 3))


def fp32_options(build: str = REFERENCE_BUILD) -> dict:
    """The main backbone and epochs of the default profile on a CPU without native bf16, from
    the cold build ``build`` made on this machine (its models in ``results/default/models``):
    a build other than the reference is scaled to the reference machine by the two probe
    rates (cores of one kind differ up to 1.7× between machines)."""
    profile = get_profile("default")
    env = envelope(profile)  # taken at the start: the checkout that ran it
    book = json.loads((OUT / build).read_text())
    reference = json.loads((OUT / REFERENCE_BUILD).read_text())
    slower = probe_ratio(reference, book)  # 1.0 for the reference itself
    runs = training_runs(stage_dir(profile, "models"))
    rates = {b: probe_rate(b, profile.image_size, profile.batch_size, profile.precision,
                           seconds=10.0) for b in sorted({b for b, _ in FP32_OPTIONS})}
    book_s, budget = book["total_with_cohort_s"], book["budget_s"]
    main = (~runs["light"]) & (runs["backbone"] == profile.backbone)
    measured = (profile.backbone, int(runs.loc[main, "epochs"].iloc[0]))
    scaled = "" if build == REFERENCE_BUILD else f" here ÷ {slower:.2f}"
    rows = []
    for backbone, epochs in FP32_OPTIONS:
        seconds = main_backbone_option(runs, book_s, rates, measured[0], backbone,
                                       epochs) / slower
        rows.append({"main backbone": backbone, "epochs": epochs,
                     "book (min)": seconds / 60, "fits": seconds <= HEADROOM * budget,
                     "how": ("measured" if (backbone, epochs) == measured else "projected")
                     + scaled})
    chosen = next((r for r in rows if r["fits"]), None)
    return {**env, "rates_img_s": rates, "measured_build": {"book_total_s": book_s,
                                                     "file": build,
                                                     "commit": book.get("commit"),
                                                     "probe_img_s": book["probe_img_s"],
                                                     "main": list(measured)},
            "reference_probe_img_s": reference["probe_img_s"], "scaled_by": 1 / slower,
            "budget_s": budget, "headroom": HEADROOM, "rows": rows, "closest_to_paper": chosen,
            "default_profile_is_closest": chosen is not None
            and (chosen["main backbone"], chosen["epochs"]) == (profile.backbone,
                                                                profile.epochs)}


def main() -> None:
    if "--fp32" in sys.argv[1:]:  # optionally --fp32 BUILD.json (default the reference)
        rest = sys.argv[sys.argv.index("--fp32") + 1:]
        write_result(OUT / "options_fp32.json", fp32_options(*rest[:1]))
        return
    build = sys.argv[1] if len(sys.argv) > 1 else NATIVE_BUILD  # optionally BUILD.json
    profile = get_profile("default")
    env = envelope(profile)
    book = json.loads((OUT / build).read_text())
    reference = json.loads((OUT / NATIVE_BUILD).read_text())
    slower = probe_ratio(reference, book)  # 1.0 for the first native build itself
    throughput = json.loads((OUT / "precision_throughput.json").read_text())
    runs = training_runs(stage_dir(profile, "models"))
    runs["train_seconds"] /= slower  # every projection at the first native machine's rate
    book_s = book["total_with_cohort_s"] / slower
    budget = book["budget_s"]
    options = [(s, e, o) for s in SIZES for e, o in RECIPES]
    table = option_table(runs, book_s, throughput, options, budget)
    if build != NATIVE_BUILD:  # say so, as --fp32 does
        table["how"] = table["how"] + f" here ÷ {slower:.2f}"
    chosen = closest_to_paper(table)
    result = {**env, "measured_build": {"file": build, "commit": book.get("commit"),
                                        "probe_img_s": book["probe_img_s"],
                                        "book_total_s": book_s, "image_size": profile.image_size,
                                 "epochs": profile.epochs, "offline_aug": profile.offline_aug,
                                 "precision": book.get("precision"),
                                 "training_s": float(runs["train_seconds"].sum()),
                                 "models": len(runs)},
              "reference_probe_img_s": reference["probe_img_s"], "scaled_by": 1 / slower,
              "budget_s": budget,
              "rows": table.to_dict(orient="records"),
              "closest_to_paper": {k: (v.item() if hasattr(v, "item") else v)
                                   for k, v in chosen.items()},
              "default_profile_is_closest": bool(
                  (chosen["image size (px)"], chosen["epochs"], chosen["offline 6×"])
                  == (profile.image_size, profile.epochs, profile.offline_aug))}
    write_result(OUT / "options.json", result)


if __name__ == "__main__":
    main()
