"""Benchmark: chapter 7's cross-validation scored without the ground-truth mask (issue 34: "a
no-mask headline row").

Every headline number of the book grades slices chosen around the largest tumour slice of the
BraTS mask, which a new patient does not have. Here each patient of the default cohort is
graded by the networks of the fold that held it out (``results/<profile>/models/cv-fold<k>``,
trained by the book) through ``glioma-grade predict``'s own path
(:func:`glioma_lib.predict.grade`) with the **automatic** tumour window (no mask), and, for a
like-for-like reference, with the mask through the same path. Both rows get the soft vote's
AUC per patient with its 95 % patient-bootstrap interval, the vote's accuracy beside the
always-HGG accuracy, and the paired difference of the two AUCs with its own interval (same
patients, resampled together). Chapter 7 shows ``bench/results/cv_automatic.json`` beside its
mask row, refused with a visible warning when its recipe is not the book's.

It does not run in the book: reading every patient's volumes again and finding the tumour
takes minutes the default book's 45 do not hold on an AVX2 CPU.

    python bench/bench_cv_automatic.py --profile default
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import pandas as pd
from _common import envelope, write_result

OUT = Path(__file__).parent / "results"
WINDOWS = ("mask", "automatic")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--profile", default="default")
    args = ap.parse_args()

    from glioma_lib.config import SEQUENCES, get_profile, stage_dir
    from glioma_lib.data.stages import prepare_data
    from glioma_lib.evaluation.uncertainty import paired_bootstrap, patient_bootstrap
    from glioma_lib.predict import InputError, grade

    profile = get_profile(args.profile)
    data = prepare_data(profile, progress=False)
    models = stage_dir(profile, "models")
    fold_of = data.index.assign(fold=data.kfold()).groupby("patient_id")["fold"].first()
    rows, failed, start = [], [], time.perf_counter()
    for _, patient in data.cohort.iterrows():
        pid = patient["patient_id"]
        protocol = f"fold{int(fold_of[pid])}"
        for window in WINDOWS:
            files = {s: patient[s] for s in SEQUENCES} | (
                {"seg": patient["seg"]} if window == "mask" else {})
            try:
                report, _ = grade(files, models, protocol)
            except InputError as err:
                failed.append({"patient_id": pid, "window": window, "error": str(err)})
                continue
            probs = {s: v["probability_hgg"] for s, v in report["sequences"].items()}
            rows.append({"patient_id": pid, "window": window, "fold": int(fold_of[pid]),
                         "label": int(patient["grade"] == "HGG"),
                         "verdict": int(report["grade"] == "HGG"),
                         "score_vote": report["score_hgg"],
                         "score_soft": float(np.mean(list(probs.values()))),
                         **{f"p_{s}": p for s, p in probs.items()}})
    frame = pd.DataFrame(rows)
    boot = {"n_resamples": profile.n_bootstrap, "seed": profile.seed}
    summary = {}
    for window, part in frame.groupby("window", sort=False):
        auc = patient_bootstrap(part, "score_soft", metrics=("auc",), **boot).loc["auc"]
        summary[window] = {"patients": len(part), "soft_auc": auc["value"],
                           "soft_auc_low": auc["low"], "soft_auc_high": auc["high"],
                           "vote_accuracy": float((part["verdict"] == part["label"]).mean()),
                           "always_hgg": float(part["label"].mean())}
    both = frame.pivot(index="patient_id", columns="window", values="score_soft").dropna()
    label = frame.drop_duplicates("patient_id").set_index("patient_id")["label"]
    paired = pd.DataFrame({"patient_id": both.index, "label": label[both.index].to_numpy(),
                           "automatic": both["automatic"].to_numpy(),
                           "mask": both["mask"].to_numpy()})
    diff = paired_bootstrap(paired, "automatic", "mask", **boot)
    result = {**envelope(profile), "models": f"{models.parent.name}/{models.name}",
              "seconds": time.perf_counter() - start, "summary": summary,
              "auc_difference_automatic_minus_mask": diff, "failed": failed,
              "patients": rows}
    write_result(OUT / "cv_automatic.json", result)
    print(summary, diff)


if __name__ == "__main__":
    main()
