"""glioma_lib: the helper library behind the reproducible glioma-grading book.

The layers, each importing only from those above it in this list (a test reads the imports):

* ``config`` (profiles), ``store`` (atomic writes, manifests, locks), ``paper`` (the paper's
  reported numbers and protocol, as reference data), ``lazy`` (submodules on first use);
* :mod:`glioma_lib.data` — ``brats`` (real cohorts), ``synth`` (the synthetic cohort) with
  ``synth_anatomy``, ``synth_tumour``, ``synth_shapes`` (real tumour outlines),
  ``synth_scanner`` (sites and scans), ``synth_cohort`` and ``synth_calibration``,
  ``slices``, ``splits``, ``sites``, ``automask`` (a tumour mask from the images),
  ``realism``, ``stages`` (the cached data stages);
* :mod:`glioma_lib.models` — ``registry`` (backbones, the 1024-512-2 head, weights),
  ``googlenet``, ``device`` (device and input batches), ``measure`` (Table 1);
* :mod:`glioma_lib.training` — ``augment``, ``device_data``, ``precision``, ``train`` (loop,
  checkpoints, resume), ``experiment`` (one protocol = one model per sequence, cached),
  ``recipe`` (the book's recipes and plan), ``grid`` (fanned-out training), ``compare`` (the
  backbones head to head), ``crossval``, ``sites`` (the site experiments);
* :mod:`glioma_lib.evaluation` — ``metrics``, ``vote`` (votes and model maps),
  ``uncertainty`` (patient bootstrap), ``tables``, ``operating`` (thresholds chosen on
  validation), ``calibration``, ``explain`` (Grad-CAM), ``window``;
* :mod:`glioma_lib.reporting` — ``cells`` (metric tables for the reader), ``captions``,
  ``beside_paper``, ``sites``, ``section``, ``plots``, ``bench``, ``bench_gpu``,
  ``bench_precision``, ``bench_cv`` (the benches beside the cross-validation),
  ``bench_options`` (the recipe options ranked on validation), ``budget``,
  ``build_record``,
  ``layout``, ``provenance`` (where each bench result comes from);
* :mod:`glioma_lib.experiments` — ``chapter`` (a chapter's set-up), ``backbones`` (chapter
  3's head-to-head), ``sites`` (the site experiments scored), ``beyond`` and ``headline``
  (chapters 6 and 7, one call per experiment): what trains for a chapter is here or below;
  nothing under ``evaluation`` or ``reporting`` trains;
* ``pipeline`` (papermill + Jupyter Book), ``predict`` (grade one patient), ``real_sample``
  (the real BraTS sets graded by a book's networks), ``cli``, ``demo`` (chapter 8's runs of
  the command).

What the chapters and a user call is re-exported here, one explicit list (``__all__``:
the chapters' one-call-per-experiment functions, the profile and data entry points, the
command's ``grade`` and ``make_book``, and the namespaces ``config``, ``paper``, the
six layers and the chapters' ``exhibit``, ``plots`` and ``bench``), imported on first use so that
``import glioma_lib`` stays fast. Everything else is reached by its module
(``gl.evaluation.tables.patient_table``): each package imports its submodules on first
attribute access. No import hook, no alias modules.
"""

from __future__ import annotations

import importlib

__version__ = "0.4.0"

#: Public name → the module that defines it.
_PUBLIC = {
    # the design's stable contract (DESIGN.md, "Public API"): outside code and tests rely on
    # these; the run description and its runner
    "index_cohort": "data.brats", "tumour_window": "data.slices",
    "confusion_report": "evaluation.metrics", "majority": "evaluation.vote",
    "make_cohort": "data.synth_cohort", "RunSpec": "training.runspec",
    "train_run": "training.experiment",
    # profiles, data, the plan, grading one patient, the book
    "get_profile": "config", "prepare_data": "data.stages", "plan": "training.recipe",
    "run_recipe": "training.recipe", "grade": "predict", "make_book": "pipeline",
    # chapter 1
    "cohort_report": "data.brats", "split_counts": "data.splits",
    "site_grade_table": "data.sites", "site_signatures": "data.synth_scanner",
    "calibration_table": "data.synth_calibration",
    # chapters 2-5
    "table1": "models.measure",
    "head_to_head": "experiments.backbones", "chosen_backbone": "experiments.backbones",
    "no_better_than_always_hgg": "experiments.backbones",
    "table2": "evaluation.tables", "roc_curves": "evaluation.tables",
    "auc_beside_paper": "reporting.beside_paper",
    # chapter 6
    "protocol_runs": "experiments.beyond", "leakage": "experiments.beyond",
    "shuffled_grades": "experiments.beyond", "per_patient": "experiments.beyond",
    "vote_against_best_single": "experiments.beyond", "fusion": "experiments.beyond",
    "transfer": "experiments.beyond", "calibration_check": "experiments.beyond",
    "stacked": "evaluation.tables",
    # chapter 7
    "cross_validation": "experiments.headline", "operating_points": "experiments.headline",
    "headline_beside_paper": "experiments.headline", "site_section": "experiments.headline",
    "cv_recipe_text": "training.crossval", "cv_option": "training.crossval",
    "real_sets": "real_sample", "grade_real": "real_sample", "real_summary": "real_sample",
    "real_patient_table": "real_sample",
    # chapter 8 and every chapter's set-up
    "run_predict": "demo", "automatic_window": "demo", "window_agreement": "demo",
    "open_chapter": "experiments.chapter", "glue_all": "reporting.section",
}

#: Namespaces: the layers and the modules the chapters use by name (``gl.exhibit.table``).
_MODULES = {"config": "config", "paper": "paper", "data": "data", "models": "models",
            "training": "training", "evaluation": "evaluation", "reporting": "reporting",
            "experiments": "experiments", "exhibit": "reporting.exhibit",
            "plots": "reporting.plots", "bench": "reporting.bench"}

__all__ = sorted(_PUBLIC) + sorted(_MODULES)  # __version__ is an attribute, not an export


def __getattr__(name: str):
    if name in _PUBLIC:
        value = getattr(importlib.import_module(f"{__name__}.{_PUBLIC[name]}"), name)
    else:
        try:  # a namespace of _MODULES, or any submodule (gl.predict, gl.store, …)
            value = importlib.import_module(f"{__name__}.{_MODULES.get(name, name)}")
        except ModuleNotFoundError:
            raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(__all__))
