"""Benchmark: the class-weighted variant of chapter 7's cross-validation (issue 26), beside the
paper's unweighted loss.

LGG is 23 % of the cohort. The named variant ``class_weight="balanced"`` weighs each class's
cross-entropy by n / (2 × n_class) (scikit-learn's ``compute_class_weight("balanced")``;
:func:`glioma_lib.training.train.class_weights`); everything else — folds, recipe, seed,
validation-chosen thresholds — is the book's. Both arms run the whole k-fold cross-validation
(:func:`glioma_lib.experiments.headline.cross_validation`) and are graded per patient at the
paper's 0.5 threshold and at thresholds chosen on each fold's validation patients
(:func:`glioma_lib.evaluation.operating.operating_table`). The unweighted arm is the book's own
cross-validation: after ``make book`` its networks are reused from ``results/<profile>/models``,
so only the 15 weighted networks train (cached apart as ``cv-fold<k>-balanced``).

The book does not train the variant itself: its 15 networks would take the default book past
45 minutes on an AVX2 CPU. Chapter 7 shows ``bench/results/cv_balance.json`` beside its own
cross-validation.

    python bench/bench_cv_balance.py --profile default
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from _common import envelope, write_result

OUT = Path(__file__).parent / "results"
#: The arms: name → the loss's class weights.
ARMS = {"unweighted (the paper's)": None, "class-weighted (balanced)": "balanced"}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--profile", default="default")
    args = ap.parse_args()

    from glioma_lib.config import get_profile
    from glioma_lib.data.stages import prepare_data
    from glioma_lib.evaluation.tables import always_hgg_accuracy
    from glioma_lib.experiments.headline import cross_validation, operating_points

    profile = get_profile(args.profile)
    data = prepare_data(profile, progress=False)
    boot = {"n_resamples": profile.n_bootstrap, "seed": profile.seed}
    result = {**envelope(profile), "arms": {}}
    for name, weight in ARMS.items():
        start = time.perf_counter()
        cv = cross_validation(data, class_weight=weight, **boot)
        seconds = time.perf_counter() - start
        op = operating_points(cv, profile.sequences, **boot)
        patients = cv.extra["frame"].groupby("patient_id").first()
        result["arms"][name] = {
            "class_weight": weight, "seconds": seconds, "folds": len(cv.extra["cv"].runs),
            "patients": len(patients), "always_hgg_accuracy": always_hgg_accuracy(patients),
            "operating": json.loads(op.long.to_json(orient="records"))}
        print(name, f"{seconds:.0f} s", op.table.to_string(), sep="\n", flush=True)
    write_result(OUT / "cv_balance.json", result)


if __name__ == "__main__":
    main()
