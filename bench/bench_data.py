"""Benchmark: data preparation vs the bare cost of reading the same NIfTI files.

Writes ``bench/results/data.json``: synthetic generation (patients/s), bare nibabel reading
(volumes/s, both cores), the slice stage (volumes/s, slices/s, both cores) and their ratio
(target: slice stage within 1.3x of bare reading).

    python bench/bench_data.py [--profile smoke] [--patients N]
    python bench/bench_data.py --cohort results/cohorts/synthetic-76lgg-259hgg-seed2022

``--cohort`` reads an existing cohort (the default synthetic one, or a real BraTS folder)
instead of reading the freshly generated one: more patients give a steadier ratio, since
process start-up is a fixed cost. Generation is still timed on ``--patients`` patients.
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import nibabel as nib
import numpy as np
from _common import envelope, write_result

from glioma_lib.config import default_workers, get_profile
from glioma_lib.data.brats import index_cohort
from glioma_lib.data.slices import prepare_slices
from glioma_lib.data.synth_cohort import make_cohort

OUT = Path(__file__).parent / "results" / "data.json"


def _read(paths: list[str]) -> int:
    for p in paths:
        np.asarray(nib.load(p).dataobj, dtype=np.float32)
    return len(paths)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--profile", default="default")
    ap.add_argument("--patients", type=int, default=16)
    ap.add_argument("--workers", type=int, default=default_workers())
    ap.add_argument("--cohort", default=None,
                    help="an existing cohort folder to read (default: the generated one)")
    args = ap.parse_args()
    profile = get_profile(args.profile)
    env = envelope(profile)  # the checkout it starts on
    tmp = Path(tempfile.mkdtemp(prefix="bench_data_"))
    try:
        n = args.patients
        t0 = time.perf_counter()
        make_cohort(tmp / "cohort", n // 4, n - n // 4, seed=1, workers=args.workers,
                    progress=False)
        synth_s = time.perf_counter() - t0
        cohort = index_cohort(args.cohort or tmp / "cohort")
        keys = [*profile.sequences, "seg"]
        per_patient = [[row[k] for k in keys] for row in cohort.to_dict("records")]
        t0 = time.perf_counter()
        with ProcessPoolExecutor(args.workers) as pool:
            volumes = sum(pool.map(_read, per_patient))
        bare_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        s = prepare_slices(cohort, tmp / "slices", profile.sequences, profile.n_slices,
                           profile.image_size, workers=args.workers, progress=False)
        stage_s = time.perf_counter() - t0
        result = {
            **env, "synth_patients": n, "workers": args.workers,
            "synth_patients_per_s": n / synth_s,
            "read_cohort": str(args.cohort or "the generated one"), "patients": len(cohort),
            "bare_read_volumes_per_s": volumes / bare_s,
            "slice_stage_volumes_per_s": volumes / stage_s,
            "slice_stage_slices_per_s": len(s.index) * len(profile.sequences) / stage_s,
            "slice_stage_over_bare": stage_s / bare_s,
            "target_ratio": 1.3,
            "malloc_env": {k: os.environ.get(k) for k in ("MALLOC_MMAP_MAX_",
                                                          "MALLOC_TRIM_THRESHOLD_")},
        }
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    write_result(OUT, result)


if __name__ == "__main__":
    main()
