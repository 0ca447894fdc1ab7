"""The cross-validation recipe's options (issue 26): training slices per network (800, 1,600,
all) × epochs (3, 5), each trained on folds 0 and 1 for FLAIR under the default profile
(EfficientNet-Lite0 from ImageNet, online augmentation), scored per patient on the fold's test
patients, with its training time; and the default book's time each option would give.

The book's cross-validation family trains 18 networks (5 folds × 3 sequences, plus the
leave-site-out, tumour-blanked and site-classifier networks), so an option changes the book by
18 × (its seconds per network − the current option's). The book time is projected from the
cold fp32 build on an AVX2 CPU (``bench/results/book_default_fp32.json``), scaling this
machine's seconds by the two machines' probe rates.

Run alone (nothing else on the cores): ``python bench/bench_cv_options.py``. It trains in a
fresh scratch results folder (the book's cohort, slices and splits linked in where they exist;
``$GLIOMA_RESULTS`` where set), so the book's cached networks are untouched and no option is
timed on a network an earlier run left behind (a reused network stops the bench).
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from _common import envelope, write_result

OUT = Path(__file__).parent / "results"
#: Networks of the cross-validation family in the default book (chapter 7 and its reuses).
CV_FAMILY_NETWORKS = 18


def scratch_results() -> Path:
    """A new empty results folder holding links to the book's prepared stages (the cohort,
    the default profile's slices and splits), so that only the options' networks are made."""
    from glioma_lib.config import project_root

    scratch = Path(tempfile.mkdtemp(prefix="glioma-cv-options-"))
    book = project_root() / "results"
    for part in ("cohorts", "default/slices", "default/splits"):
        if (book / part).exists():
            (scratch / part).parent.mkdir(parents=True, exist_ok=True)
            (scratch / part).symlink_to(book / part)
    return scratch


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folds", type=int, nargs="+", default=[0, 1])
    parser.add_argument("--slices", nargs="+", default=["800", "1600", "all"])
    parser.add_argument("--epochs", type=int, nargs="+", default=[3, 5])
    parser.add_argument("--out", type=Path, default=OUT / "cv_options.json")
    args = parser.parse_args()
    if "GLIOMA_RESULTS" not in os.environ:
        os.environ["GLIOMA_RESULTS"] = str(scratch_results())


    from glioma_lib.config import get_profile
    from glioma_lib.data.stages import prepare_data
    from glioma_lib.evaluation.metrics import report
    from glioma_lib.evaluation.vote import patient_mean
    from glioma_lib.reporting.budget import REFERENCE_BUILD
    from glioma_lib.training.crossval import cv_option
    from glioma_lib.training.probe import probe_rate
    from glioma_lib.training.recipe import cv_recipe_for, run_recipe

    base = get_profile("default")
    env = envelope(base)  # the checkout it starts on, whatever happens to the tree meanwhile
    data = prepare_data(base, progress=False)
    slices, epochs = cv_option(base)
    current = {"slices": slices, "epochs": epochs}
    rows = []
    for epochs in args.epochs:
        # the epochs the recipe trains: ``extra_epochs`` for the lighter recipe, else ``epochs``
        # (setting only the one the recipe ignores trains the same network twice)
        d = replace(data, profile=replace(base, epochs=epochs, extra_epochs=epochs))
        for slices in args.slices:
            for fold in args.folds:
                recipe = replace(cv_recipe_for(d.profile, f"fold{fold}", ("flair",)),
                                 max_train=None if slices == "all" else int(slices))
                start = time.perf_counter()
                run = run_recipe(d, recipe)
                seconds = time.perf_counter() - start
                card = run.runs["flair"].model.card
                if card.get("epochs") != epochs:  # the knob did not reach the training
                    raise SystemExit(f"asked for {epochs} epochs, the network trained "
                                     f"{card.get('epochs')}")
                if seconds < 0.5 * card.get("train_seconds", 0):
                    raise SystemExit(f"{slices} slices × {epochs} epochs, fold {fold}: the "
                                     f"network was reused from {os.environ['GLIOMA_RESULTS']} "
                                     f"(trained before this run); its time is not this "
                                     f"option's. Run with an empty $GLIOMA_RESULTS.")
                test = patient_mean(run.predictions, ["p_flair"])
                val = patient_mean(run.val_predictions, ["p_flair"])
                scores = report(test["label"], test["p_flair"])
                rows.append({"slices": slices, "epochs": epochs, "fold": fold,
                             "test_patient_auc": scores["auc"],
                             "test_patient_accuracy": scores["accuracy"],
                             "val_patient_auc": report(val["label"], val["p_flair"])["auc"],
                             "train_images_per_epoch": card.get("train_images_per_epoch"),
                             "seconds": seconds})
                print(json.dumps(rows[-1]), flush=True)
    probe = probe_rate(base.backbone, base.image_size, base.batch_size, base.precision)
    reference = json.loads((OUT / REFERENCE_BUILD).read_text())
    result = {**env, "sequence": "flair", "folds": args.folds,
              "current": current, "cv_family_networks": CV_FAMILY_NETWORKS,
              "probe_img_s": probe, "reference_build": REFERENCE_BUILD,
              "reference_probe_img_s": reference["probe_img_s"],
              "reference_book_s": reference["total_with_cohort_s"],
              "budget_s": reference["budget_s"], "rows": rows}
    write_result(args.out, result)


if __name__ == "__main__":
    main()
