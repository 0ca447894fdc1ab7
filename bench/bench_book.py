"""Benchmark: the whole book under a profile (DESIGN.md budgets: smoke ≤ 10 min, default ≤ 45
min on 2 cores), per notebook and in total, with the synthetic cohort generation timed apart.

Runs ``make_book`` (or, with ``--log``, reads the log of a ``make book`` run already made) and
writes ``bench/results/book_<profile>.json``. Stages already cached under ``results/`` are
reused; ``--cold`` first removes ``results/<profile>/`` and the profile's synthetic cohort,
regenerates the cohort where the book reads it (timed apart) and then builds the book on it,
so ``total_with_cohort_s`` is what ``make book`` costs on a clean clone (less the install).
``--fresh-cohort`` only times generating the cohort in a temporary folder; ``--out`` names the
result (a build made again on another machine, compared chapter by chapter with the reference:
``book_default_fp32_second_machine.json``).

    /usr/bin/time -v python bench/bench_book.py --profile default --cold
    /usr/bin/time -v make book > book.log 2>&1; python bench/bench_book.py --log book.log

A log written under GNU ``time -v`` also gives the peak memory of the run's largest process.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import tempfile
import time
from pathlib import Path

from _common import envelope, write_result

from glioma_lib.config import get_profile

OUT = Path(__file__).parent / "results"
NOTEBOOK = re.compile(r"\[papermill\] (\S+)\.ipynb done in (\d+) s")
TOTAL = re.compile(r"\[book\] built .* in (\d+) s")
ETA = re.compile(r"\[book\] expected about (\d+) min")
PEAK = re.compile(r"Maximum resident set size \(kbytes\): (\d+)")  # GNU time -v


def parse(lines: list[str]) -> dict:
    """Seconds per notebook and in total from ``make_book``'s log lines."""
    notebooks = {m.group(1): int(m.group(2)) for m in map(NOTEBOOK.search, lines) if m}
    totals = [int(m.group(1)) for m in map(TOTAL.search, lines) if m]
    if not notebooks or not totals:
        raise SystemExit("no '[papermill] … done in' / '[book] built … in' lines in the log")
    result = {"notebooks_s": notebooks, "book_s": totals[-1],
              "jupyter_book_s": totals[-1] - sum(notebooks.values())}
    peaks = [int(m.group(1)) for m in map(PEAK.search, lines) if m]
    if peaks:  # the largest single process of the run (a notebook's kernel)
        result["peak_rss_MiB"] = peaks[-1] / 1024
    return result


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--profile", default="default")
    ap.add_argument("--log", default=None, help="a make book log to read instead of building")
    ap.add_argument("--fresh-cohort", action="store_true",
                    help="also time generating the profile's synthetic cohort from scratch")
    ap.add_argument("--out", default=None,
                    help="the result's file name (default book_<profile>[_fp32].json)")
    ap.add_argument("--cold", action="store_true",
                    help="remove the profile's results and cohort, time the cohort, build")
    args = ap.parse_args()
    profile = get_profile(args.profile)
    from glioma_lib.models.device import pick_device
    from glioma_lib.training.precision import precision_name

    result = {**envelope(profile), "image_size": profile.image_size, "epochs": profile.epochs,
              "offline_aug": profile.offline_aug,
              "precision": precision_name(pick_device(), profile.precision,
                                          profile.backbone)}

    from glioma_lib.reporting.budget import profile_fingerprint
    from glioma_lib.training.precision import cpu_has_bf16
    from glioma_lib.training.probe import probe_rate

    result["native_bf16"] = cpu_has_bf16()
    result["profile_fingerprint"] = profile_fingerprint(profile)
    result["probe_backbone"] = profile.backbone
    result["probe_img_s"] = probe_rate(profile.backbone, profile.image_size, profile.batch_size,
                                       profile.precision)
    if args.cold:
        from glioma_lib.config import stage_dir
        from glioma_lib.data.stages import ensure_cohort, synthetic_root

        shutil.rmtree(stage_dir(profile, "x").parent, ignore_errors=True)
        shutil.rmtree(synthetic_root(profile), ignore_errors=True)
        start = time.perf_counter()
        ensure_cohort(profile, progress=False)
        result["cohort_s"] = time.perf_counter() - start
        result["cold"] = True
    elif args.fresh_cohort:
        from glioma_lib.data.synth_cohort import make_cohort

        tmp = Path(tempfile.mkdtemp(prefix="bench_book_"))
        try:
            start = time.perf_counter()
            make_cohort(tmp / "cohort", profile.n_lgg, profile.n_hgg, seed=profile.seed,
                        workers=profile.workers, progress=False)
            result["cohort_s"] = time.perf_counter() - start
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    if args.log:
        lines = Path(args.log).read_text().splitlines()
        result["source"] = f"log of a make book run ({Path(args.log).name})"
    else:
        from glioma_lib.pipeline import make_book

        lines = []
        make_book(profile.name, log=lambda msg: (lines.append(msg), print(msg)))
        result["source"] = "bench/bench_book.py run"
    result.update(parse(lines))
    eta = [float(m.group(1)) for m in map(ETA.search, lines) if m]
    if eta:  # what `glioma-grade book` said to expect before it started
        result["eta_s"] = eta[0] * 60
        # the estimate is of make_book's own run: with --cold the cohort was made before it
        measured = result["book_s"] + (0.0 if args.cold else result.get("cohort_s", 0.0))
        result["eta_over_measured"] = result["eta_s"] / measured
    if not args.log:  # the largest finished child process: a notebook's kernel
        import resource

        result.setdefault("peak_rss_MiB",
                          resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024)
    result["malloc_env"] = {k: os.environ.get(k) for k in ("MALLOC_MMAP_MAX_",
                                                           "MALLOC_TRIM_THRESHOLD_")}
    if "cohort_s" in result:
        result["total_with_cohort_s"] = result["book_s"] + result["cohort_s"]
    from glioma_lib.config import BUDGET_MIN

    result["budget_s"] = 60 * BUDGET_MIN[profile.name] if profile.name in BUDGET_MIN else None
    suffix = "" if result["native_bf16"] else "_fp32"  # a CPU without native bf16 apart
    name = args.out or f"book_{profile.name}{suffix}.json"
    write_result(OUT / name, result)


if __name__ == "__main__":
    main()
