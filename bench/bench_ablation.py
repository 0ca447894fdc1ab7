"""Benchmark: which generator change moved the real-patient AUC (the appendix's ablation).

Each arm is one synthetic generator: a cohort of the profile's size and seed made by it, the
profile's patient-protocol networks (T1, T2, FLAIR; chapter 6's recipe, the networks of
``glioma-grade predict``) trained on it, and every real BraTS patient beside the project
(``../shared``: the calibration set and the external set, :func:`glioma_lib.real_sample.real_sets`)
graded by them with the mask and with the automatic window. Nothing is chosen on the real
patients: the arms are fixed here, before this bench grades any, and every arm is reported.

Arms (:data:`ARMS`, by their ``--arms`` names):

- ``book``, generator 5 (the book's): the book's own cohort and networks (reused from
  ``make book``);
- ``g4``, generator 4: the previous generator, run from its commit (:data:`GENERATOR_4_COMMIT`,
  exported with ``git archive``): smooth-noise tumour outlines instead of the real ones, site
  signatures that the slice stage's normalisation erased;
- ``one-scanner``: generator 5 with every site and patient scanned alike (no
  contrast curve, tissue-contrast, resolution, slice-thickness, noise or bias-field
  differences): what the scanner randomisation adds;
- ``shapes-as-fitted``: generator 5's real outlines unblended, untilted and undeformed.

Writes ``bench/results/ablation.json`` (envelope, per arm the numbers of
:func:`glioma_lib.real_sample.real_auc` and each real patient's soft score per window), which
the appendix shows with :func:`glioma_lib.reporting.ablation.ablation_table` (each arm's AUC
against the book's, a paired bootstrap on the same real patients). Each arm other than the
book's costs a cohort (~1 min) and three networks (~6 min on 2 cores, default profile).

    python bench/bench_ablation.py --profile default
    python bench/bench_ablation.py --profile default --arms book g4
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from _common import envelope, write_result

from glioma_lib.config import get_profile, project_root, results_root, stage_dir
from glioma_lib.data.stages import prepare_data
from glioma_lib.data.synth import SynthConfig
from glioma_lib.data.synth_cohort import make_cohort
from glioma_lib.real_sample import grade_real, real_auc, real_sets
from glioma_lib.reporting.ablation import BOOK_ARM
from glioma_lib.training.crossval import main_recipe_text
from glioma_lib.training.recipe import run_recipe

OUT = Path(__file__).parent / "results"

#: The last commit whose generator was version 4 (the parent of generator 5's commit).
GENERATOR_4_COMMIT = "7e8495f"

#: Arm (as ``--arms`` names it) → (its name in the table, what it changes, the generator-5
#: knobs it sets; None: the book's own cohort or generator 4's code).
ARMS: dict[str, tuple[str, str, dict | None]] = {
    "book": (BOOK_ARM, "the book's cohort and networks", None),
    "g4": ("generator 4", "the previous generator: smooth-noise outlines, sites erased by "
                          "normalisation", None),
    "one-scanner": (
        "generator 5, one scanner",
        "no scanner randomisation: one contrast curve, tissue contrast, resolution, slice "
        "thickness, noise and bias field for every site and patient",
        {"site_gamma": (1.0, 1.0), "site_tissue_contrast": 0.0, "site_noise": (0.02, 0.02),
         "site_bias": (0.2, 0.2), "site_slice_mm": (1.0, 1.0), "site_inplane_mm": (1.0, 1.0),
         "scan_jitter": 0.0, "patient_bias": 0.0}),
    "shapes-as-fitted": (
        "generator 5, shapes as fitted",
        "each real outline as fitted: unblended, untilted, undeformed",
        {"shape_blend": (1.0, 1.0), "max_tilt_deg": 0.0, "shape_irregularity": 0.0}),
}


def generator4_cohort(root: Path, profile) -> None:
    """Generate the profile's cohort with generator 4's code, exported from its commit."""
    with tempfile.TemporaryDirectory() as tmp:
        archive = subprocess.run(["git", "archive", GENERATOR_4_COMMIT, "glioma_lib"],
                                 cwd=project_root(), check=True, capture_output=True).stdout
        subprocess.run(["tar", "-x", "-C", tmp], input=archive, check=True)
        code = (f"from glioma_lib.data.synth import GENERATOR_VERSION as v; assert v == 4, v\n"
                f"from glioma_lib.data.synth_cohort import make_cohort\n"
                f"make_cohort({str(root)!r}, {profile.n_lgg}, {profile.n_hgg}, "
                f"seed={profile.seed}, workers={profile.workers}, progress=False)")
        subprocess.run([sys.executable, "-c", code], cwd=tmp, check=True,
                       env={**os.environ, "PYTHONPATH": tmp})


def arm_data(slug: str, knobs: dict | None, base):
    """The arm's prepared data: the book's own, or a cohort made for the arm (once)."""
    if slug == "book":
        return prepare_data(base, progress=False), 0.0
    root = results_root() / "ablation" / f"{base.name}-{slug}" / "cohort"
    start = time.perf_counter()
    if not root.exists():
        root.parent.mkdir(parents=True, exist_ok=True)
        if knobs is None:
            generator4_cohort(root, base)
        else:
            cfg = replace(SynthConfig(site_confounded=base.site_confounded), **knobs)
            make_cohort(root, base.n_lgg, base.n_hgg, seed=base.seed, cfg=cfg,
                        workers=base.workers, progress=False)
    seconds = time.perf_counter() - start
    profile = replace(base, name=f"{base.name}-ablation-{slug}")
    return prepare_data(profile, brats_root=root, progress=False), seconds


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--profile", default="default")
    ap.add_argument("--arms", nargs="*", default=list(ARMS), choices=list(ARMS))
    args = ap.parse_args()
    base = get_profile(args.profile)
    sets = real_sets()
    previous = json.loads((OUT / "ablation.json").read_text()) if (
        OUT / "ablation.json").exists() else {}
    env = envelope(base)
    result = {**env, "networks_recipe": main_recipe_text(base),  # what its arms train
              "generator_4_commit": GENERATOR_4_COMMIT,
              "real_sets": {role: str(path.name) for role, path in sets.items()},
              "arms": {k: v for k, v in previous.get("arms", {}).items()
                       if previous.get("commit") == env["commit"]}}
    if not sets:
        result["skipped"] = "absent: ../shared/brats-sample and ../shared/brats-external"
        write_result(OUT / "ablation.json", result)
        return
    for slug in args.arms:
        name, changes, knobs = ARMS[slug]
        data, cohort_s = arm_data(slug, knobs, base)
        start = time.perf_counter()
        run_recipe(data, "patient")
        train_s = time.perf_counter() - start
        rows = grade_real(sets, stage_dir(data.profile, "models"), "patient")
        scores = rows[["patient_id", "set", "grade", "window", "verdict", "score_soft"]]
        result["arms"][name] = {
            "changes": changes, "knobs": knobs, "cohort_s": cohort_s, "train_s": train_s,
            "summary": real_auc(rows, base.n_bootstrap, base.seed),
            "patients": json.loads(scores.to_json(orient="records"))}
        print(name, json.dumps(result["arms"][name]["summary"]), flush=True)
        write_result(OUT / "ablation.json", result)  # each arm kept as soon as it is done


if __name__ == "__main__":
    main()
