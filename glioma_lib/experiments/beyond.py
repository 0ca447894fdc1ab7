"""Chapter 6's experiments, each one call returning a ``Section``: the paper's
pipeline under both splits (leakage), grades shuffled across patients, grading per patient,
the soft vote against the best single sequence, early against late fusion, ImageNet against
random initialisation, and calibration."""

from __future__ import annotations

import pandas as pd

from ..data.splits import shared_patients, shuffle_grades_by_patient
from ..evaluation import tables
from ..evaluation.calibration import N_BINS, calibration_summary
from ..evaluation.uncertainty import format_interval
from ..evaluation.vote import (
    PREDICT_RULE,
    SOFT_PATIENT,
    model_columns,
    patient_level,
    patient_models,
    scores,
    with_votes,
)
from ..reporting.cells import lookup, one_row, wide
from ..reporting.section import Section
from ..training.crossval import cv_recipe_text
from ..training.recipe import run_recipe

PROTOCOLS = ("slice", "patient")


def protocol_runs(data) -> tuple[dict, dict[str, pd.DataFrame]]:
    """The paper's networks under both splits (cached runs) and their test predictions with
    the votes added (:func:`glioma_lib.evaluation.vote.with_votes`).

    Args:
        data: the prepared data stages.

    Example:
        >>> data = gl.prepare_data(gl.get_profile("smoke"))
        >>> runs, frames = protocol_runs(data)
        >>> sorted(frames)
        ['patient', 'slice']
    """
    runs = {proto: run_recipe(data, proto) for proto in PROTOCOLS}
    return runs, {proto: with_votes(r.predictions, data.profile.sequences)
                  for proto, r in runs.items()}


def leakage(data, frames: dict[str, pd.DataFrame], **bootstrap) -> Section:
    """The paper's pipeline under the slice-level and the patient-level split: accuracy and
    its gap per model, and how many test patients the slice split shares with training.

    Args:
        data: the prepared data stages.
        frames: :func:`protocol_runs`' frames.
        bootstrap: ``n_resamples`` and ``seed`` of the patient bootstrap.

    Example:
        >>> data = gl.prepare_data(gl.get_profile("smoke"))
        >>> runs, frames = gl.protocol_runs(data)
        >>> leakage(data, frames, n_resamples=200).values["vote_gap"]
    """
    split = data.split("slice")
    n_test = data.index.loc[split == "test", "patient_id"].nunique()
    leak = tables.stacked(frames, model_columns(data.profile.sequences), **bootstrap)
    leak_gap = tables.gap(leak, "protocol", "slice", "patient")
    values = {"leaked": f"{len(shared_patients(data.index, split))} of {n_test}",
              "vote_slice": f"{lookup(leak, 'accuracy', protocol='slice', model='vote'):.1%}",
              "vote_patient": f"{lookup(leak, 'accuracy', protocol='patient', model='vote'):.1%}",
              "vote_gap": f"{leak_gap['vote'] * 100:+.1f}"}
    shown = wide(leak, ["protocol", "model"]).join(
        (leak_gap * 100).rename("accuracy gap (points)"), on="model")
    return Section(values, shown, leak)


def shuffled_grades(data, frames: dict[str, pd.DataFrame], **bootstrap) -> Section:
    """The FLAIR network trained and tested on grades shuffled across patients, under both
    splits: what it reaches when the images carry no grade (a leak's signature).

    Args:
        data: the prepared data stages.
        frames: :func:`protocol_runs`' frames (for the always-HGG accuracy).
        bootstrap: ``n_resamples`` and ``seed`` of the patient bootstrap.

    Example:
        >>> data = gl.prepare_data(gl.get_profile("smoke"))
        >>> runs, frames = gl.protocol_runs(data)
        >>> shuffled_grades(data, frames, n_resamples=200).values["shuf_auc_patient"]
    """
    p = data.profile
    shuffled = shuffle_grades_by_patient(data.index, seed=p.seed + 1)
    runs = {proto: run_recipe(data, f"shuffled-{proto}") for proto in PROTOCOLS}
    shuf = tables.stacked({k: r.predictions for k, r in runs.items()},
                          {"FLAIR (shuffled labels)": ("p_flair", None)}, **bootstrap)

    def cell(metric: str, proto: str) -> str:
        return lookup(shuf, metric, interval=True, percent=metric == "accuracy",
                      protocol=proto)

    values = {"shuffle_agree": f"{(shuffled == data.slices.labels).mean():.0%}",
              "cv_recipe": cv_recipe_text(p),
              **{f"shuf_{m[:3]}_{proto}": cell(m, proto) for m in ("accuracy", "auc")
                 for proto in PROTOCOLS},
              "always_hgg": f"{tables.always_hgg_accuracy(frames['patient']):.0%}"}
    return Section(values, wide(shuf, ["protocol", "model"]), shuf, {"runs": runs})


def per_patient(frame: pd.DataFrame, sequences, **bootstrap) -> Section:
    """Patients graded three ways (:func:`glioma_lib.evaluation.tables.patient_table`).

    Args:
        frame: the patient-level split's test frame with votes.
        sequences: the voting sequences.
        bootstrap: ``n_resamples`` and ``seed`` of the patient bootstrap.

    Example:
        >>> data = gl.prepare_data(gl.get_profile("smoke"))
        >>> runs, frames = gl.protocol_runs(data)
        >>> per_patient(frames["patient"], ("t1", "t2", "flair")).values["patient_vote_acc"]
    """
    table = tables.patient_table(frame, sequences, **bootstrap)
    values = {"patient_vote_acc": lookup(table, "accuracy", interval=True, model=PREDICT_RULE),
              "n_test_patients": frame["patient_id"].nunique()}
    return Section(values, wide(table, ["aggregation", "model"]), table)


def vote_against_best_single(val_frame: pd.DataFrame, frame: pd.DataFrame, sequences,
                             **bootstrap) -> Section:
    """The soft vote against the sequence chosen on validation, paired on the test patients
    (:func:`glioma_lib.evaluation.tables.vote_vs_chosen`).

    Args:
        val_frame: validation slice predictions.
        frame: the test frame with votes.
        sequences: the candidate sequences.
        bootstrap: ``n_resamples`` and ``seed`` of the paired bootstrap.

    Example:
        >>> seqs = ("t1", "t2", "flair")
        >>> data = gl.prepare_data(gl.get_profile("smoke"))
        >>> run = gl.run_recipe(data, "slice")
        >>> runs, frames = gl.protocol_runs(data)
        >>> vote_against_best_single(run.val_predictions, frames["patient"], seqs).values
    """
    paired = tables.vote_vs_chosen(val_frame, frame, sequences, **bootstrap)
    values = {"best_single": paired["chosen"],
              "best_single_val_auc": f"{paired['validation_auc']:.3f}",
              "paired_diff": format_interval(paired["difference"], paired["low"],
                                             paired["high"], percent=False),
              "paired_p": f"{paired['p_value']:.2f}"}
    return Section(values, one_row(paired, f"AUC(soft vote) − AUC({paired['chosen']})"))


def fusion(data, frame: pd.DataFrame, **bootstrap) -> Section:
    """Early fusion (one network on the three sequences as channels) against the votes.

    Args:
        data: the prepared data stages.
        frame: the patient-level split's test frame with votes.
        bootstrap: ``n_resamples`` and ``seed`` of the patient bootstrap.

    Example:
        >>> data = gl.prepare_data(gl.get_profile("smoke"))
        >>> runs, frames = gl.protocol_runs(data)
        >>> fusion(data, frames["patient"]).values["early_auc"]
    """
    table = tables.fusion_table(frame, run_recipe(data, "fusion").predictions, **bootstrap)

    def auc(model: str) -> str:
        return lookup(table, "auc", interval=True, percent=False, level="patients", model=model)

    values = {"early_auc": auc("early fusion"), "late_auc": auc("late fusion (mean prob.)")}
    return Section(values, wide(table, ["level", "model"]), table)


#: Chapter 6's transfer comparison: display name → recipe.
TRANSFER_RUNS = {"ImageNet weights": "transfer-imagenet", "random init": "transfer-scratch"}


def transfer(data, **bootstrap) -> Section:
    """EfficientNet-Lite0 on FLAIR from ImageNet weights and from random initialisation
    (fold 0 of chapter 7's cross-validation), per patient.

    Args:
        data: the prepared data stages.
        bootstrap: ``n_resamples`` and ``seed`` of the patient bootstrap.

    Example:
        >>> data = gl.prepare_data(gl.get_profile("smoke"))
        >>> transfer(data).values["lite_imagenet"]
    """
    runs = {name: run_recipe(data, key) for name, key in TRANSFER_RUNS.items()}
    table = tables.transfer_table(runs, **bootstrap)

    def auc(model: str) -> str:
        return lookup(table, "auc", interval=True, percent=False, model=model)

    values = {"lite_imagenet": auc("ImageNet weights"), "lite_scratch": auc("random init")}
    return Section(values, wide(table, ["model", "weights_used"]), table,
                   {"runs": runs, "curves": {n: r.runs["flair"].history
                                             for n, r in runs.items()}})


def calibration_check(frame: pd.DataFrame, sequences) -> Section:
    """Reliability per patient of each sequence and the soft vote: Brier score and ECE.

    Args:
        frame: the patient-level split's test frame with votes.
        sequences: the sequences.

    Example:
        >>> data = gl.prepare_data(gl.get_profile("smoke"))
        >>> runs, frames = gl.protocol_runs(data)
        >>> calibration_check(frames["patient"], ("t1", "t2", "flair")).values["brier_vote"]
    """
    models = patient_models(sequences)
    patients = patient_level(frame, scores(models))
    curves, table = calibration_summary(patients, models, n_bins=N_BINS)
    values = {"n_bins": N_BINS, "brier_vote": f"{table.loc[SOFT_PATIENT, 'Brier']:.3f}"}
    return Section(values, table, extra={"curves": curves})
