"""Benchmark: chapter 7's site experiments on the synthetic cohort with sites as in BraTS 2019
(confounded: the site nearly decides the grade) and on a de-confounded cohort (same size,
sites drawn independently of the grade: ``Profile.site_confounded=False``).

The default book runs the confounded experiments itself; the de-confounded cohort costs a
second cohort (~170 s), its slice stage and four more models, which the 45-minute budget does
not hold, so this bench runs both with the same code
(:func:`glioma_lib.experiments.sites.site_experiments`) and writes
``bench/results/sites.json``, which chapter 7 shows beside its own rows. The confounded arm
reuses the book's cached models when ``make book`` ran before (same profile, same cache key).
The de-confounded profile keeps its own results folder (``results/<profile>-deconfounded``).

Sim-to-real: each cohort's cross-validation fold-0 networks (T1, T2, FLAIR; the confounded
cohort's are the book's own) also grade the four real BraTS patients of
``../shared/brats-sample`` with and without the mask (:func:`glioma_lib.real_sample.grade_sample`),
so chapter 7 can ask whether networks trained where the site cannot help grade real patients
better. Skipped with a note where ``../shared`` is absent.

    python bench/bench_sites.py --profile default
"""

from __future__ import annotations

import argparse
import json
from dataclasses import replace
from pathlib import Path

from _common import envelope, write_result

from glioma_lib.config import get_profile, project_root, stage_dir
from glioma_lib.data.stages import prepare_data
from glioma_lib.experiments.sites import site_differences, site_experiments
from glioma_lib.real_sample import grade_sample, sample_summary
from glioma_lib.reporting.sites import site_conclusion
from glioma_lib.training.crossval import fold_run

OUT = Path(__file__).parent / "results"
SAMPLE = project_root().parent / "shared" / "brats-sample"


def sim_to_real(data) -> dict:
    """The cohort's fold-0 networks (all three sequences) grading the real sample."""
    if not SAMPLE.exists():
        return {"skipped": f"absent: {SAMPLE}"}
    fold_run(data, 0)  # the three fold-0 networks (reused where cached), named fold0
    rows = grade_sample(SAMPLE, stage_dir(data.profile, "models"), "fold0")
    return {"models": "fold0", "sample": f"{SAMPLE.name}: {rows['patient_id'].nunique()} real "
                                     f"BraTS patients",
            "patients": json.loads(rows.to_json(orient="records")),
            "summary": sample_summary(rows)}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--profile", default="default")
    args = ap.parse_args()
    base = get_profile(args.profile)
    profiles = {"as in BraTS 2019": base,
                "de-confounded": replace(base, name=f"{base.name}-deconfounded",
                                         site_confounded=False)}
    result = {**envelope(base), "cohorts": {}}
    for name, profile in profiles.items():
        data = prepare_data(profile, progress=False)
        boot = {"n_resamples": profile.n_bootstrap, "seed": profile.seed}
        rows = site_experiments(data, **boot)
        differences = site_differences(data, **boot)
        result["cohorts"][name] = {
            "site_confounded": profile.site_confounded,
            "conclusion": site_conclusion(rows, differences),
            "rows": json.loads(rows.reset_index().to_json(orient="records")),
            "differences": json.loads(differences.reset_index().to_json(orient="records")),
            "sim_to_real": sim_to_real(data)}
        print(name, json.dumps(result["cohorts"][name], indent=1), flush=True)
    write_result(OUT / "sites.json", result)


if __name__ == "__main__":
    main()
