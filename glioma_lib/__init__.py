"""glioma_lib: the helper library behind the reproducible glioma-grading book.

The layers, each importing only from those above it in this list (a test reads the imports):

* ``config`` (profiles), ``store`` (atomic writes, manifests, locks), ``paper`` (the paper's
  reported numbers, as reference data);
* :mod:`glioma_lib.data` — ``brats`` (real cohorts), ``synth`` (the synthetic cohort) with
  ``synth_stages`` and ``synth_calibration``, ``slices``, ``splits``, ``sites``, ``automask``
  (a tumour mask from the images), ``realism``, ``stages`` (the cached data stages);
* :mod:`glioma_lib.models` — ``registry`` (backbones, the 1024-512-2 head, weights),
  ``googlenet``, ``device`` (device and input batches), ``measure`` (Table 1);
* :mod:`glioma_lib.training` — ``augment``, ``device_data``, ``precision``, ``train`` (loop,
  checkpoints, resume), ``experiment`` (one protocol = one model per sequence, cached),
  ``recipe`` (the book's recipes and plan), ``grid`` (fanned-out training), ``compare`` (the
  backbones head to head), ``crossval``, ``sites`` (the site experiments);
* :mod:`glioma_lib.evaluation` — ``metrics``, ``vote`` (votes and model maps),
  ``uncertainty`` (patient bootstrap), ``tables``, ``operating`` (thresholds chosen on
  validation), ``backbones``, ``sites``, ``calibration``, ``explain`` (Grad-CAM), ``window``;
* :mod:`glioma_lib.reporting` — ``cells`` (metric tables for the reader), ``captions``,
  ``beside_paper``, ``sites``, ``section``, ``beyond`` and ``headline`` (chapters 6 and 7,
  one call per experiment), ``plots``, ``bench``, ``bench_gpu``, ``bench_precision``,
  ``bench_cv`` (the benches beside the cross-validation), ``budget``, ``build_record``,
  ``chapter``;
* ``pipeline`` (papermill + Jupyter Book), ``predict`` (grade one patient), ``real_sample``
  (a real BraTS folder graded by a book's networks), ``cli``, ``demo`` (chapter 8's runs of
  the command).

What a chapter or a user calls is re-exported here (``import glioma_lib as gl``;
``gl.get_profile("smoke")``), imported on first use so that ``import glioma_lib`` stays
fast. The flat module paths of earlier versions (``glioma_lib.brats``, ``glioma_lib.slices``,
``glioma_lib.vote``, …) still import, as aliases of the modules' new homes.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.util
import sys

__version__ = "0.3.0"

#: Public name → the module that defines it.
_PUBLIC = {
    # profiles and stages
    "Profile": "config", "PROFILES": "config", "get_profile": "config",
    "SEQUENCES": "config", "SEQUENCE_NAMES": "config",
    "prepare_data": "data.stages", "Data": "data.stages",
    "index_cohort": "data.brats", "cohort_report": "data.brats", "load_patient": "data.brats",
    "CohortError": "data.brats",
    "make_cohort": "data.synth_cohort",
    "tumour_window": "data.slices", "largest_tumour_slice": "data.slices",
    "patient_split": "data.splits", "slice_split": "data.splits",
    "patient_kfold": "data.splits", "shared_patients": "data.splits",
    # models and training
    "create": "models.registry", "load_model": "models.registry",
    "param_groups": "models.registry", "WeightsNotFound": "models.registry",
    "run_protocol": "training.experiment", "ProtocolRun": "training.experiment",
    "Recipe": "training.recipe", "run_recipe": "training.recipe", "plan": "training.recipe",
    "book_recipes": "training.recipe", "train_plan": "training.grid",
    "train_model": "training.train", "TrainConfig": "training.train",
    "head_to_head": "evaluation.backbones", "chosen_backbone": "evaluation.backbones",
    "no_better_than_always_hgg": "evaluation.backbones",
    "left_out_backbones": "training.compare",
    "cross_validate": "training.crossval", "cv_recipe": "training.crossval",
    "cv_recipe_text": "training.crossval", "fold_run": "training.crossval",
    "site_experiments": "evaluation.sites", "site_table": "reporting.sites",
    "site_conclusion": "reporting.sites", "site_contrast": "reporting.sites",
    "precision_name": "training.precision", "resolve_precision": "training.precision",
    # evaluation
    "majority": "evaluation.vote", "soft": "evaluation.vote", "fraction": "evaluation.vote",
    "patient_rule": "evaluation.vote", "patient_level": "evaluation.vote",
    "confusion_report": "evaluation.metrics",
    "patient_bootstrap": "evaluation.uncertainty", "paired_bootstrap": "evaluation.uncertainty",
    "format_interval": "evaluation.uncertainty",
    "with_votes": "evaluation.vote", "model_columns": "evaluation.vote",
    "patient_models": "evaluation.vote", "PREDICT_RULE": "evaluation.vote",
    "SOFT_PATIENT": "evaluation.vote",
    "table2": "evaluation.tables", "roc_curves": "evaluation.tables",
    "metric_table": "evaluation.tables", "stacked": "evaluation.tables",
    "choose_on_validation": "evaluation.tables", "always_hgg_accuracy": "evaluation.tables",
    "wide": "reporting.cells", "lookup": "reporting.cells", "one_row": "reporting.cells",
    "gradcam": "evaluation.explain",
    "table1": "models.measure", "shuffle_grades_by_patient": "data.splits",
    "split_counts": "data.splits", "site_grade_table": "data.sites",
    "site_signatures": "data.synth", "calibration_table": "data.synth_calibration",
    # reporting, prediction, the book
    "caption": "reporting.captions", "made_by": "reporting.captions",
    "cohort_table": "reporting.captions", "sample_size_caveat": "reporting.captions",
    "augmentation_text": "reporting.captions", "split_facts": "reporting.beside_paper",
    "always_hgg_sentence": "reporting.captions",
    "patient_table": "evaluation.tables", "vote_vs_chosen": "evaluation.tables",
    "fusion_table": "evaluation.tables", "transfer_table": "evaluation.tables",
    "patient_stats": "data.realism", "report_table": "predict",
    "recipe_differences": "reporting.beside_paper", "auc_beside_paper": "reporting.beside_paper",
    "beside_paper": "reporting.beside_paper",
    "open_chapter": "reporting.chapter", "Section": "reporting.section",
    "glue_all": "reporting.section",
    "protocol_runs": "reporting.beyond", "leakage": "reporting.beyond",
    "shuffled_grades": "reporting.beyond", "per_patient": "reporting.beyond",
    "vote_against_best_single": "reporting.beyond", "fusion": "reporting.beyond",
    "transfer": "reporting.beyond", "calibration_check": "reporting.beyond",
    "cv_option": "training.crossval", "grade_sample": "real_sample",
    "cross_validation": "reporting.headline", "operating_points": "reporting.headline",
    "headline_beside_paper": "reporting.headline", "site_section": "reporting.headline",
    "grade": "predict",
    "run_predict": "demo", "automatic_window": "demo", "window_agreement": "demo",
    "make_book": "pipeline",
}

#: The flat modules of version 0.1 → their new homes (imported under both names).
_MOVED = {
    "brats": "data.brats", "synth": "data.synth", "slices": "data.slices",
    "splits": "data.splits", "stages": "data.stages",
    "augment": "training.augment", "train": "training.train",
    "experiment": "training.experiment",
    "metrics": "evaluation.metrics", "vote": "evaluation.vote",
    "uncertainty": "evaluation.uncertainty", "calibration": "evaluation.calibration",
    "explain": "evaluation.explain",
    "plots": "reporting.plots", "shortcut": "evaluation.sites",
    # modules the chapters use as ``gl.<name>``
    "bench": "reporting.bench", "bench_gpu": "reporting.bench_gpu",
    "bench_precision": "reporting.bench_precision", "bench_cv": "reporting.bench_cv",
    "budget": "reporting.budget",
    "window": "evaluation.window", "measure": "models.measure",
    "operating": "evaluation.operating", "exhibit": "reporting.exhibit",
}

_SUBMODULES = ("data", "models", "training", "evaluation", "reporting", "config", "store",
               "paper", "pipeline", "predict", "real_sample", "demo", "cli")

__all__ = sorted(_PUBLIC) + ["__version__", *_SUBMODULES]


class _MovedModules(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """``import glioma_lib.<old>`` yields the module at its new path (the same object)."""

    def find_spec(self, fullname, path=None, target=None):
        prefix, _, old = fullname.rpartition(".")
        if prefix == __name__ and old in _MOVED:
            return importlib.util.spec_from_loader(fullname, self)
        return None

    def create_module(self, spec):
        return importlib.import_module(f"{__name__}.{_MOVED[spec.name.rpartition('.')[2]]}")

    def exec_module(self, module):  # already executed under its new name
        pass


if not any(isinstance(f, _MovedModules) for f in sys.meta_path):
    sys.meta_path.insert(0, _MovedModules())


def __getattr__(name: str):
    if name in _PUBLIC:
        value = getattr(importlib.import_module(f"{__name__}.{_PUBLIC[name]}"), name)
    elif name in _MOVED or name in _SUBMODULES:
        value = importlib.import_module(f"{__name__}.{name}")
    else:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(_PUBLIC) | set(_MOVED) | set(_SUBMODULES))
