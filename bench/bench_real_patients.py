"""Benchmark: the default book's networks (trained on the synthetic cohort) grading the real
BraTS patients of ``../shared/brats-sample`` (issue 15: "report the same figure on the four
shared patients after each change").

Grades every real patient with ``glioma_lib.real_sample.grade_sample`` — the rule of ``glioma-grade
predict`` — using the patient-protocol models of the last ``make book`` (the run that
``results/<profile>/models/by-name/patient.json`` names), once with the BraTS mask and once
with the automatic tumour window, and
writes ``bench/results/real_patients.json``: per patient the true grade, the verdict, the
vote score and each sequence's probability; and per window method the accuracy and, where
both grades are present, the AUC of the vote score. Four patients make a check, not an
estimate. Skipped with a note where ``../shared`` or the models are absent.

    python bench/bench_real_patients.py --profile default
"""

from __future__ import annotations

import argparse
import json
import os
import platform
from pathlib import Path

from glioma_lib.config import project_root, stage_dir
from glioma_lib.data.synth import GENERATOR_VERSION

OUT = Path(__file__).parent / "results"
SAMPLE = project_root().parent / "shared" / "brats-sample"


def main() -> None:
    from glioma_lib.real_sample import grade_sample, sample_summary
    from glioma_lib.store import named_folder

    ap = argparse.ArgumentParser()
    ap.add_argument("--profile", default="default")
    args = ap.parse_args()
    models = stage_dir(args.profile, "models")
    result = {"machine": f"{platform.machine()}, {os.cpu_count()} cores",
              "profile": args.profile, "models": str(models.relative_to(project_root())),
              "generator_version": GENERATOR_VERSION}
    if not SAMPLE.exists() or named_folder(models, "patient") is None:
        result["skipped"] = f"absent: {SAMPLE if not SAMPLE.exists() else models}"
        print(result["skipped"])
    else:
        rows = grade_sample(SAMPLE, models, "patient")
        result.update({"sample": f"{SAMPLE.name}: {rows['patient_id'].nunique()} real BraTS "
                                 f"patients",
                       "patients": json.loads(rows.to_json(orient="records")),
                       "summary": sample_summary(rows)})
        print(rows.to_string(), json.dumps(result["summary"]), sep="\n")
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "real_patients.json").write_text(json.dumps(result, indent=1) + "\n")


if __name__ == "__main__":
    main()
