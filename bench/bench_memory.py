"""Benchmark: peak memory (and speed) of training one model at a profile's settings.

Runs the library's own training (``experiment.run_protocol``: the paper's slice split, the
profile's image size, batch, online/offline augmentation, GoogLeNet + head, Adam) for
``--epochs`` epoch(s) of one sequence on the profile's cached slices, and records the
process's peak resident memory before training (data loaded) and after. The run's folder
(named by its content: the epochs override makes it another run than the book's) is removed
afterwards unless it was there before, so cached results are untouched. Writes
``bench/results/memory_<profile>.json``.

    python bench/bench_memory.py --profile default --sequence flair --epochs 1
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import time
from dataclasses import replace
from pathlib import Path

from _common import envelope, write_result

from glioma_lib.config import get_profile, stage_dir
from glioma_lib.data.stages import prepare_data
from glioma_lib.training.experiment import train_run
from glioma_lib.training.runspec import RunSpec

OUT = Path(__file__).parent / "results"


def _peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--profile", default="default")
    ap.add_argument("--sequence", default="flair")
    ap.add_argument("--epochs", type=int, default=1)
    args = ap.parse_args()
    profile = get_profile(args.profile)
    env = envelope(profile)
    data = prepare_data(profile, progress=False)
    before = _peak_mib()
    run_profile = replace(profile, epochs=args.epochs)
    spec = RunSpec.build(data, "slice", run_profile, weights=profile.weights)
    made = [f for f in (spec.folder(args.sequence).parent,
                        stage_dir(profile, "predictions") / spec.key) if not f.exists()]
    start = time.perf_counter()
    try:
        run = train_run(spec, (args.sequence,))
        seconds = time.perf_counter() - start
    finally:
        for folder in made:  # what this bench made, never the book's
            shutil.rmtree(folder, ignore_errors=True)
    n_train = int((data.split("slice") == "train").sum()) * (6 if profile.offline_aug else 1)
    result = {
        **env, "sequence": args.sequence, "epochs": args.epochs,
        "image_size": profile.image_size, "batch_size": profile.batch_size,
        "train_images_per_epoch": n_train, "weights": run.weights_note,
        "precision": run.runs[args.sequence].model.card["precision"],
        "peak_rss_data_loaded_MiB": before, "peak_rss_MiB": _peak_mib(),
        "train_and_test_s": seconds,
        "malloc_env": {k: os.environ.get(k) for k in ("MALLOC_MMAP_MAX_",
                                                      "MALLOC_TRIM_THRESHOLD_")},
    }
    write_result(OUT / f"memory_{profile.name}.json", result)


if __name__ == "__main__":
    main()
