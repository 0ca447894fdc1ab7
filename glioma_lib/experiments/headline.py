"""Chapter 7's experiments, each one call returning a ``Section``: the
patient-level cross-validation (the number to quote), its operating points chosen on
validation, the headline beside the paper's Table 2, and the site experiments."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..evaluation import operating, tables
from ..evaluation.vote import PREDICT_RULE, SOFT_PATIENT, with_votes
from ..experiments.sites import site_differences, site_experiments
from ..reporting.bench import site_results
from ..reporting.beside_paper import beside_paper
from ..reporting.cells import lookup, wide
from ..reporting.section import Section
from ..reporting.sites import site_conclusion, site_contrast, site_table
from ..training.crossval import cross_validate, cv_recipe_text
from ..training.recipe import run_recipe


def cross_validation(data, class_weight: str | None = None, **bootstrap) -> Section:
    """The patient-level k-fold cross-validation, every patient tested once, graded per
    patient (:func:`glioma_lib.evaluation.tables.patient_table`), with the always-HGG
    accuracy beside it.

    Args:
        data: the prepared data stages.
        class_weight: None (the paper's unweighted loss) or ``"balanced"`` (the named variant).
        bootstrap: ``n_resamples`` and ``seed`` of the patient bootstrap.

    Example:
        >>> data = gl.prepare_data(gl.get_profile("smoke"))
        >>> cross_validation(data).values["cv_vote_auc"]
    """
    p = data.profile
    cv = cross_validate(data, class_weight=class_weight)
    frame = with_votes(cv.predictions, p.sequences)
    folds = frame.groupby("patient_id")["fold"].nunique()
    cv_table = tables.patient_table(frame, p.sequences, **bootstrap)

    def cell(metric: str, percent: bool = True, **keys) -> str:
        return lookup(cv_table, metric, interval=True, percent=percent, **keys)

    always_hgg = tables.always_hgg_accuracy(frame.groupby("patient_id").first())
    split_test = data.index.loc[data.split("patient") == "test", "patient_id"].nunique()
    values = {"cv_recipe": cv_recipe_text(p), "k": len(cv.runs), "n_patients": len(folds),
              "n_split_test": split_test,
              "tested_once": "every" if folds.max() == 1 else "NOT every",
              "cv_vote_auc": cell("auc", False, model=PREDICT_RULE),
              "cv_vote_acc": cell("accuracy", model=PREDICT_RULE),
              "cv_soft_auc": cell("auc", False, model=SOFT_PATIENT,
                                  aggregation="mean slice probability"),
              "cv_vote_spec": cell("specificity", model=PREDICT_RULE),
              "cv_always_hgg": f"{always_hgg:.1%}"}
    values["cv_fold_spread"] = fold_spread_text(frame)
    headline = cv_table[cv_table["aggregation"] != "majority of slices"]
    return Section(values, wide(headline, ["aggregation", "model"]), cv_table,
                   {"cv": cv, "frame": frame})


def fold_spread_text(frame: pd.DataFrame) -> str:
    """The soft vote's patient-level AUC in each fold of the cross-validation, lowest to
    highest: how much the number moves between networks trained on different patients, a
    spread the patient bootstrap of the pooled predictions does not contain.

    Args:
        frame: the pooled cross-validation predictions with votes and a ``fold`` column.

    Example:
        >>> data = gl.prepare_data(gl.get_profile("smoke"))
        >>> fold_spread_text(cross_validation(data).extra["frame"])
    """
    folds = tables.fold_scores(frame, "p_soft")
    aucs = folds["auc"].dropna()
    if aucs.empty:
        return "no fold holds both grades, so no fold has an AUC"
    return (f"from {aucs.min():.2f} to {aucs.max():.2f} over the {len(folds)} folds' networks "
            f"(soft vote, per patient)")


def operating_points(cv_section: Section, sequences, **bootstrap) -> Section:
    """The paper's 0.5 threshold against thresholds chosen on each fold's validation patients
    (:func:`glioma_lib.evaluation.operating.operating_table`).

    Args:
        cv_section: :func:`cross_validation`'s section.
        sequences: the voting sequences.
        bootstrap: ``n_resamples`` and ``seed`` of the patient bootstrap.

    Example:
        >>> seqs = ("t1", "t2", "flair")
        >>> data = gl.prepare_data(gl.get_profile("smoke"))
        >>> operating_points(cross_validation(data), seqs).values["cv_chosen_acc"]
    """
    cv, frame = cv_section.extra["cv"], cv_section.extra["frame"]
    table = operating.operating_table(frame, cv.runs, sequences, **bootstrap)
    values: dict[str, object] = {"op_criterion": operating.CRITERION}
    for key, metric in (("acc", "accuracy"), ("sens", "sensitivity"), ("spec", "specificity")):
        values[f"cv_chosen_{key}"] = lookup(table, metric, interval=True, model="vote",
                                            rule=operating.CHOSEN)
    return Section(values, wide(table, ["rule", "model"]), table)


def headline_beside_paper(data, cv_section: Section) -> Section:
    """The paper's reported Table 2, this book's on its slice-level split and the patient-level
    cross-validation, side by side (:func:`~.beside_paper.beside_paper`).

    Args:
        data: the prepared data stages.
        cv_section: :func:`cross_validation`'s section.

    Example:
        >>> data = gl.prepare_data(gl.get_profile("smoke"))
        >>> headline_beside_paper(data, cross_validation(data)).table
    """
    slice_run = run_recipe(data, "slice")
    t2 = tables.table2(slice_run.predictions, data.profile.sequences)
    return Section({}, beside_paper(t2, cv_section.long), extra={"run": slice_run})


def site_section(data, bench_json: str | Path, **bootstrap) -> Section:
    """The site experiments on this run's cohort beside the de-confounded cohort's rows from
    the bench (``bench/results/sites.json``), and what they show in words.

    Args:
        data: the prepared data stages.
        bench_json: ``bench/results/sites.json``.
        bootstrap: ``n_resamples`` and ``seed`` of the patient bootstrap.

    Example:
        >>> data = gl.prepare_data(gl.get_profile("smoke"))
        >>> site_section(data, "bench/results/sites.json").values["site_conclusion"]
    """
    rows = site_experiments(data, **bootstrap)
    differences = site_differences(data, **bootstrap)
    decon, made = site_results(bench_json)
    shown, decon_text = [site_table(rows, "sites as in BraTS 2019 (this run)")], \
        made["provenance"]
    if len(decon):
        shown.append(site_table(decon, "de-confounded (bench)"))
        decon_text = (site_conclusion(decon, made.get("differences")) + " "
                      + site_contrast(rows, decon))
    values = {"site_folds": data.profile.kfold,
              "site_conclusion": site_conclusion(rows, differences),
              "decon_conclusion": decon_text}
    return Section(values, pd.concat(shown), rows, {"provenance": made["provenance"],
                                                    "differences": differences})
