"""Benchmark: what bf16 autocast buys on this CPU, and that it costs no accuracy (issue 14).

Three parts, each writing its own JSON under ``bench/results/``:

``throughput``  training and inference images/s of every backbone of chapter 3 at 96, 128 and
                224 px in fp32 and bf16 autocast, interleaved (fp32, bf16, fp32, bf16, …;
                best of the rounds), and the bf16/fp32 ratios → ``precision_throughput.json``.
``compile``     ``torch.compile`` against eager (both bf16) on GoogLeNet training at the default
                image size, compile time included, over one default epoch's worth of steps
                → ``precision_compile.json``.
``equivalence`` the default profile's FLAIR network on the default data, patient split, trained
                in fp32 and bf16 with each seed (3 set in advance: 2022, 1, 2; more can be
                added): validation loss, AUC and accuracy, and whether bf16 sits within
                fp32's seed-to-seed spread (``reporting.bench.equivalence_summary``)
                → ``precision_equivalence.json``. Every run is trained in the arithmetic it
                names (checked against its model card), never the book's cached `auto` one.

    python bench/bench_precision.py throughput
    python bench/bench_precision.py compile
    python bench/bench_precision.py equivalence --seeds 2022 1 2 3 4
"""

from __future__ import annotations

import argparse
import json
import os
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import torch
from _common import envelope, write_result

from glioma_lib.config import get_profile
from glioma_lib.models import create, param_groups
from glioma_lib.models.device import to_input
from glioma_lib.models.registry import REGISTRY
from glioma_lib.training.precision import autocast, cpu_has_bf16, precision_name
from glioma_lib.training.train import evaluate, train_step

OUT = Path(__file__).parent / "results"
CPU = torch.device("cpu")


def _machine(profile=None) -> dict:
    """The provenance envelope (``bench/_common.py``) with the CPU's bf16 and the allocator."""
    return {**envelope(profile), "cpu_has_bf16": cpu_has_bf16(),
            "malloc_env": {k: os.environ.get(k) for k in ("MALLOC_MMAP_MAX_",
                                                          "MALLOC_TRIM_THRESHOLD_")}}


def _rate(step, batch: int, min_steps: int, min_seconds: float) -> float:
    """Images/s of ``step`` after one warm-up step: at least ``min_steps`` steps and
    ``min_seconds`` seconds."""
    step()
    steps, start = 0, time.perf_counter()
    while steps < min_steps or time.perf_counter() - start < min_seconds:
        step()
        steps += 1
    return batch * steps / (time.perf_counter() - start)


def _steps(model, size: int, batch: int, choice: str):
    """The training and inference steps of ``model`` on random uint8 images."""
    rng = np.random.default_rng(0)
    images = torch.from_numpy(rng.integers(0, 255, (batch, 1, size, size), dtype=np.uint8))
    labels = torch.from_numpy(rng.integers(0, 2, batch))
    optimizer = torch.optim.Adam(param_groups(model))

    def train_one():
        model.train()
        train_step(model, optimizer, to_input(images, CPU), labels, CPU, choice)

    def infer_step():
        model.eval()
        with torch.inference_mode(), autocast(CPU, choice):
            model(to_input(images, CPU)).float().softmax(1)

    return train_one, infer_step


def throughput(args) -> dict:
    env = {**_machine(), "backbone": ", ".join(args.backbones)}  # random init, no recipe
    rows = []
    for name in args.backbones:
        for size in args.sizes:
            best = {}
            for _ in range(args.rounds):
                for choice in ("fp32", "bf16"):
                    torch.manual_seed(0)
                    model = create(name, weights=None).to(memory_format=torch.channels_last)
                    train_one, infer_step = _steps(model, size, args.batch, choice)
                    rates = {"train": _rate(train_one, args.batch, args.min_steps,
                                            args.min_seconds),
                             "infer": _rate(infer_step, args.batch, args.min_steps,
                                            args.min_seconds)}
                    for kind, rate in rates.items():
                        key = (choice, kind)
                        best[key] = max(best.get(key, 0.0), rate)
            row = {"backbone": name, "size": size,
                   **{f"{kind}_{choice}_img_per_s": round(best[(choice, kind)], 2)
                      for choice in ("fp32", "bf16") for kind in ("train", "infer")}}
            row["train_bf16_over_fp32"] = round(best[("bf16", "train")]
                                                / best[("fp32", "train")], 3)
            row["infer_bf16_over_fp32"] = round(best[("bf16", "infer")]
                                                / best[("fp32", "infer")], 3)
            rows.append(row)
            print(json.dumps(row), flush=True)
    return {**env, "batch": args.batch, "rounds": args.rounds,
            "min_steps": args.min_steps, "min_seconds": args.min_seconds,
            "method": "random-init networks, random uint8 images through the library's input "
                      "path, channels_last, Adam; interleaved fp32/bf16 rounds, best of each",
            "rows": rows}


def compile_trial(args) -> dict:
    profile = get_profile("default")
    size, batch = profile.image_size, profile.batch_size
    n_train = int(profile.n_lgg + profile.n_hgg) * profile.n_slices * 7 // 10  # one epoch
    steps = max(1, n_train // batch)
    result = {**_machine(profile), "backbone": "googlenet", "size": size, "batch": batch,
              "steps": steps, "precision": "bf16"}
    for mode in ("eager", "compiled"):
        torch.manual_seed(0)
        model = create("googlenet", weights=None).to(memory_format=torch.channels_last)
        if mode == "compiled":
            model = torch.compile(model)
        train_one, _ = _steps(model, size, batch, "bf16")
        start = time.perf_counter()
        try:
            train_one()  # compiles here
            first = time.perf_counter() - start
            for _ in range(steps - 1):
                train_one()
        except Exception as err:  # noqa: BLE001 (recorded: the trial failed)
            result[mode] = {"error": f"{type(err).__name__}: {str(err)[:300]}"}
            continue
        total = time.perf_counter() - start
        result[mode] = {"first_step_s": round(first, 2), "total_s": round(total, 2),
                        "img_per_s_after_first": round(batch * (steps - 1)
                                                       / max(total - first, 1e-9), 1)}
        print(mode, result[mode], flush=True)
    if "total_s" in result.get("compiled", {}) and "total_s" in result["eager"]:
        result["compiled_over_eager_time"] = round(result["compiled"]["total_s"]
                                                   / result["eager"]["total_s"], 3)
        result["keep_compile"] = result["compiled_over_eager_time"] < 1.0
    else:
        result["keep_compile"] = False
    return result


def equivalence(args) -> dict:
    from glioma_lib.data.stages import prepare_data
    from glioma_lib.evaluation.metrics import report
    from glioma_lib.training.experiment import run_protocol

    base = get_profile("default")
    env = _machine(base)  # taken at the start: the checkout that ran it
    data = prepare_data(base, None, progress=False)
    runs = []
    for seed in args.seeds:
        for choice in ("fp32", "bf16"):
            # always the arithmetic named: the book's own model under `auto` may have been
            # trained in another arithmetic on another CPU (its cache is keyed on `auto`), so
            # each run is its own (another seed or arithmetic: another content, another folder)
            profile = replace(base, seed=seed, precision=choice)
            start = time.perf_counter()
            run = run_protocol(data, "patient", profile=profile, sequences=("flair",))
            trained = run.runs["flair"].model.card["precision"]
            if trained != precision_name(CPU, choice, base.backbone):
                raise SystemExit(f"seed {seed}: the {choice} run was trained in {trained}")
            history = run.runs["flair"].history
            val = report(run.val_predictions["label"], run.val_predictions["p_flair"])
            # the same model evaluated in fp32: does inference arithmetic move the figures?
            val_rows = run.val_rows
            fp32_loss, fp32_acc, _ = evaluate(run.runs["flair"].model,
                                              data.slices.array("flair")[val_rows],
                                              data.slices.labels[val_rows], precision="fp32")
            runs.append({"precision": choice, "trained_in": trained, "seed": seed,
                         "val_loss_fp32_inference": fp32_loss,
                         "val_accuracy_fp32_inference": fp32_acc,
                         "val_loss": float(history["val_loss"].min()),
                         "val_auc": val["auc"], "val_accuracy": val["accuracy"],
                         "train_seconds": float(history["seconds"].sum()),
                         "wall_seconds": time.perf_counter() - start})
            print(json.dumps(runs[-1]), flush=True)
    from glioma_lib.data.stages import synthetic_root
    from glioma_lib.data.synth_cohort import read_cohort_config
    from glioma_lib.reporting.bench_precision import equivalence_summary

    cohort = read_cohort_config(synthetic_root(base)) or {}
    return {**env, "image_size": base.image_size,
            "epochs": base.epochs, "offline_aug": base.offline_aug, "sequence": "flair",
            "protocol": "patient", "data": data.source,
            "generator_version": cohort.get("generator_version"), "runs": runs,
            **equivalence_summary(runs)}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("part", choices=("throughput", "compile", "equivalence"))
    ap.add_argument("--backbones", nargs="+", default=list(REGISTRY))
    ap.add_argument("--sizes", nargs="+", type=int, default=[96, 128, 224])
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--min-steps", type=int, default=2)
    ap.add_argument("--min-seconds", type=float, default=2.0)
    ap.add_argument("--seeds", nargs="+", type=int, default=[2022, 1, 2, 3, 4])
    args = ap.parse_args()
    torch.set_num_threads(os.cpu_count() or 1)
    result = {"throughput": throughput, "compile": compile_trial,
              "equivalence": equivalence}[args.part](args)
    write_result(OUT / f"precision_{args.part}.json", result)


if __name__ == "__main__":
    main()
