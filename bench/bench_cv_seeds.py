"""Benchmark: how far chapter 7's headline moves when only the training seed changes (issue 34:
"spread from the network the book trains").

The whole patient-level cross-validation of chapter 7 — same cohort, same folds, same recipe
and backbone (:func:`glioma_lib.training.crossval.cv_recipe_text`) — is retrained under each
seed of ``--seeds`` (the training profile's seed: the new head's initialisation, the batch
order, the online augmentation and the seeded subset of training slices; the cohort and the
folds follow the book's seed). The book's own seed reuses the book's networks; the others are
cached apart (``cv-fold<k>-seed<s>``). Each run's pooled soft-vote and vote-share AUCs per
patient and its per-fold soft AUCs go to ``bench/results/cv_seeds.json``; chapter 7 quotes
them as mean and range beside the bootstrap interval, and refuses them (a visible warning)
when the recipe they were made with is not the book's.

The book does not train the extra seeds itself: each is 15 more networks, past the default
book's 45 minutes on an AVX2 CPU.

    python bench/bench_cv_seeds.py --profile default --seeds 2022 1 2
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from _common import envelope, write_result

OUT = Path(__file__).parent / "results"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--profile", default="default")
    ap.add_argument("--seeds", type=int, nargs="+", default=[2022, 1, 2])
    args = ap.parse_args()

    from glioma_lib.config import get_profile
    from glioma_lib.data.stages import prepare_data
    from glioma_lib.evaluation import tables
    from glioma_lib.evaluation.metrics import report
    from glioma_lib.evaluation.vote import patient_mean, with_votes
    from glioma_lib.training.crossval import cross_validate

    profile = get_profile(args.profile)
    data = prepare_data(profile, progress=False)
    result = {**envelope(profile), "data_seed": profile.seed, "kfold": profile.kfold,
              "runs": []}
    for seed in args.seeds:
        start = time.perf_counter()
        train = None if seed == profile.seed else get_profile(args.profile, seed=seed)
        cv = cross_validate(data, train_profile=train)
        frame = with_votes(cv.predictions, profile.sequences)
        patients = patient_mean(frame, ["p_soft", "p_vote"])
        folds = tables.fold_scores(frame, "p_soft")
        result["runs"].append({
            "seed": seed, "seconds": time.perf_counter() - start,
            "patients": len(patients),
            "soft_auc": report(patients["label"], patients["p_soft"])["auc"],
            "vote_auc": report(patients["label"], patients["p_vote"])["auc"],
            "fold_soft_auc": folds["auc"].tolist()})
        print(result["runs"][-1])
        write_result(OUT / "cv_seeds.json", result)  # each seed as it finishes


if __name__ == "__main__":
    main()
