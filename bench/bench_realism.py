"""Benchmark: the synthetic cohort against real BraTS patients, in numbers (issue 15).

Computes :func:`glioma_lib.data.realism.patient_stats` on the real calibration set
(``../shared/brats-sample``: 4 patients, the set the generator's knobs were fitted to), on the
real external set (``../shared/brats-external``: 11 HGG, reported only: nothing is fitted to
it, and the calibration below never reads it), each skipped with a note where absent, and on
two freshly
generated synthetic cohorts of the current generator (``--synthetic`` patients each, half of
each grade, sites as in BraTS 2019): one with the knobs before calibration
(:func:`glioma_lib.data.synth_calibration.uncalibrated_config`) and one with the calibrated ones,
and writes ``bench/results/realism.json`` (per patient, the per-source-and-grade
medians, provenance) and ``bench/results/realism_montage.png`` (real and synthetic patients
at their largest-tumour slice).

    python bench/bench_realism.py --synthetic 16
"""

from __future__ import annotations

import argparse
import json
import shutil
import tempfile
from pathlib import Path

import pandas as pd
from _common import envelope, write_result

from glioma_lib.data.brats import index_cohort, load_patient
from glioma_lib.data.realism import compare, patient_stats
from glioma_lib.data.synth import GENERATOR_VERSION, SynthConfig
from glioma_lib.data.synth_calibration import CALIBRATION, uncalibrated_config
from glioma_lib.data.synth_cohort import make_cohort
from glioma_lib.real_sample import real_sets

OUT = Path(__file__).parent / "results"

#: Source names of the real sets in the JSON and the book's table.
REAL_SOURCES = {"calibration": "real, calibration", "external": "real, external (never fitted)"}


def describe(cohort: pd.DataFrame, source: str) -> list[dict]:
    """One row of statistics per patient of an indexed cohort."""
    rows = []
    for _, row in cohort.iterrows():
        volumes = load_patient(row, ("t1", "t2", "flair"))
        rows.append({"source": source, "grade": row["grade"], "patient_id": row["patient_id"],
                     **patient_stats(volumes)})
    return rows


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--synthetic", type=int, default=16)
    ap.add_argument("--seed", type=int, default=2022)
    args = ap.parse_args()
    rows, provenance = [], {"generator_version": GENERATOR_VERSION, "seed": args.seed,
                            "synthetic_patients": args.synthetic}
    real, sets = None, real_sets()
    for role, source in REAL_SOURCES.items():
        if role not in sets:
            provenance[source] = "absent (not found under ../shared)"
            continue
        cohort = index_cohort(sets[role])
        rows += describe(cohort, source)
        provenance[source] = f"{sets[role].name}: {len(cohort)} BraTS training patients"
        real = cohort if role == "calibration" else real
    provenance["calibration"] = {k: [str(a), str(b), why] for k, (a, b, why) in
                                 CALIBRATION.items() if k != "tissue_contrast"}
    tmp = Path(tempfile.mkdtemp(prefix="bench_realism_"))
    try:
        n_lgg = args.synthetic // 2
        for i, (source, cfg) in enumerate((("synthetic, before calibration",
                                             uncalibrated_config()),
                                            ("synthetic, calibrated", SynthConfig()))):
            make_cohort(tmp / str(i), n_lgg, args.synthetic - n_lgg, seed=args.seed, cfg=cfg,
                        progress=False)
            synthetic = index_cohort(tmp / str(i))
            rows += describe(synthetic, source)
        table = pd.DataFrame(rows)
        summary = compare(table)
        from glioma_lib.reporting.plots import patient_montage

        picks = []
        for source in (real, synthetic):
            if source is not None:
                for grade in ("HGG", "LGG"):
                    picks += source[source["grade"] == grade]["patient_id"].head(2).tolist()
        both = pd.concat([c for c in (real, synthetic) if c is not None], ignore_index=True)
        fig = patient_montage(both, picks, caption="real calibration (../shared/brats-sample) and "
                              f"synthetic (generator v{GENERATOR_VERSION}) patients")
        OUT.mkdir(parents=True, exist_ok=True)
        fig.savefig(OUT / "realism_montage.png", dpi=70)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    result = {**envelope(), "provenance": provenance,
              "summary": json.loads(summary.to_json(orient="index")),
              "patients": json.loads(table.to_json(orient="records"))}
    write_result(OUT / "realism.json", result)
    print(summary.to_string())


if __name__ == "__main__":
    main()
