"""Benchmark: ``glioma-grade predict`` on one patient, 2 CPU cores, GoogLeNet at 224 px.

Target: under 5 s per patient, model loading included. Three GoogLeNet models (random init:
the weights do not change the cost) are saved as a book run saves them; one synthetic patient
(240×240×155) is written as NIfTI. Timed: the in-process call (``cli.main``) with a mask,
without one (automatic window), with the Grad-CAM PNG, and the command as a user runs it (a
new process: Python start-up and imports included). Writes ``bench/results/predict.json``.

    python bench/bench_predict.py --repeats 3
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nibabel as nib
import numpy as np
import torch
from _common import envelope, write_result

from glioma_lib.cli import main as cli
from glioma_lib.config import SEQUENCES
from glioma_lib.data.synth import synth_patient
from glioma_lib.models import create, model_card, save_model

OUT = Path(__file__).parent / "results"


def _best(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--size", type=int, default=224)
    args = ap.parse_args()
    env = envelope()  # the checkout it starts on
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        models = tmp / "models" / "patient"
        for seq in SEQUENCES:
            model = create("googlenet", weights=None)
            save_model(model, models / seq, model_card(model, seq, args.size, 20, "paper",
                                                       "patient"))
        vols, _ = synth_patient("HGG", seed=1, index=0)
        files = {}
        for key in (*SEQUENCES, "seg"):
            files[key] = tmp / f"P_{key}.nii.gz"
            nib.save(nib.Nifti1Image(vols[key], np.eye(4)), files[key])
        base = ["predict", "--t1", str(files["t1"]), "--t2", str(files["t2"]),
                "--flair", str(files["flair"]), "--models", str(tmp / "models"),
                "--out", str(tmp / "r.json")]
        with_seg = base + ["--seg", str(files["seg"])]
        cli(with_seg)  # warm-up: imports, first allocation
        result = {
            **env, "torch_threads": torch.get_num_threads(), "image_size": args.size, "slices": 20,
            "backbone": "googlenet", "repeats": args.repeats,
            "in_process_with_mask_s": _best(lambda: cli(with_seg), args.repeats),
            "in_process_automatic_window_s": _best(lambda: cli(base), args.repeats),
            "in_process_with_png_s": _best(
                lambda: cli(with_seg + ["--png", str(tmp / "r.png")]), args.repeats),
            "command_with_mask_s": _best(
                lambda: subprocess.run([sys.executable, "-m", "glioma_lib.cli", *with_seg],
                                       check=True, capture_output=True), args.repeats),
            "command_with_mask_fp32_s": _best(
                lambda: subprocess.run([sys.executable, "-m", "glioma_lib.cli", *with_seg,
                                        "--precision", "fp32"],
                                       check=True, capture_output=True), args.repeats),
            "in_process_with_mask_fp32_s": _best(
                lambda: cli(with_seg + ["--precision", "fp32"]), args.repeats),
            "import_s": _best(
                lambda: subprocess.run([sys.executable, "-c", "import glioma_lib.cli, "
                                        "glioma_lib.predict"], check=True), args.repeats),
            "target_s": 5.0,
            "peak_rss_MiB": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            "malloc_env": {k: os.environ.get(k) for k in ("MALLOC_MMAP_MAX_",
                                                          "MALLOC_TRIM_THRESHOLD_")},
        }
    write_result(OUT / "predict.json", result)


if __name__ == "__main__":
    main()
