"""The evaluation chapters' numbers: Table 2, ROC curves, and metrics with patient-bootstrap
intervals for the models of a model map (:mod:`glioma_lib.evaluation.vote`). Showing them
(``value [low, high]`` cells) is :mod:`glioma_lib.reporting.cells`' job."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..config import SEQUENCE_NAMES
from ..paper import TABLE2
from . import metrics, vote
from .uncertainty import paired_bootstrap, patient_bootstrap
from .vote import PREDICT_RULE, SOFT_VOTE, VOTE, ModelMap, model_columns, patient_models, with_votes


def choose_on_validation(val_frame: pd.DataFrame, candidates: ModelMap,
                         by: str = "patient_id") -> tuple[str, pd.Series]:
    """The candidate with the highest patient-level AUC on the *validation* split.

    ``candidates`` is a model map over ``val_frame``'s probability columns (slice
    predictions); patients are graded by their mean slice probability. Returns the chosen
    name and every candidate's validation AUC (ties: the first candidate). A validation split
    with one grade only (a tiny cohort) cannot choose: the AUCs are NaN and the first
    candidate is returned.

    Args:
        val_frame: validation slice predictions.
        candidates: a model map (display name → (probability column, None)).

    Example:
        >>> f = pd.DataFrame({"patient_id": list("aabb"), "label": [1, 1, 0, 0],
        ...                   "p_t1": [0.9, 0.8, 0.2, 0.1], "p_flair": [0.1, 0.2, 0.8, 0.9]})
        >>> choose_on_validation(f, {"T1WI": ("p_t1", None), "FLAIR": ("p_flair", None)})[0]
        'T1WI'
    """
    patients = vote.patient_mean(val_frame, vote.scores(candidates), by=by)
    if patients["label"].nunique() < 2:
        nan = pd.Series(float("nan"), index=list(candidates), name="validation AUC")
        return next(iter(candidates)), nan
    aucs = pd.Series({name: metrics.report(patients["label"], patients[col])["auc"]
                      for name, (col, _) in candidates.items()}, name="validation AUC")
    return str(aucs.idxmax()), aucs


def metric_table(frame: pd.DataFrame, models: ModelMap,
                 n_resamples: int = 1000, seed: int = 0, **labels) -> pd.DataFrame:
    """Long table: one row per model and metric with ``value``, ``low``, ``high``.

    Extra keyword arguments become constant columns (e.g. ``protocol="patient"``).

    Args:
        frame: predictions with ``label`` and ``patient_id``.
        models: display name → (score column, optional 0/1 column).
        n_resamples, seed: the patient bootstrap.
        labels: constant columns added to every row.

    Example:
        >>> data = gl.prepare_data(gl.get_profile("smoke"))
        >>> seqs = ("t1", "t2", "flair")
        >>> frame = gl.evaluation.with_votes(gl.run_recipe(data, "patient").predictions, seqs)
        >>> metric_table(frame, model_columns(('t1', 't2', 'flair')), protocol='patient')
    """
    parts = []
    for name, (score, predicted) in models.items():
        ci = patient_bootstrap(frame, score, predicted, n_resamples=n_resamples, seed=seed)
        parts.append(ci.reset_index().assign(model=name, **labels))
    return pd.concat(parts, ignore_index=True)


def gap(table: pd.DataFrame, column: str, high: str, low: str, metric: str = "accuracy"
        ) -> pd.Series:
    """Per model: ``metric`` under ``column == high`` minus under ``column == low``.

    Args:
        table: a long :func:`metric_table`.
        column: the column with the two settings.
        high, low: the two settings.
        metric: the metric compared.

    Example:
        >>> data = gl.prepare_data(gl.get_profile("smoke"))
        >>> runs, frames = gl.protocol_runs(data)
        >>> leak = gl.leakage(data, frames).long
        >>> gap(leak, 'protocol', 'slice', 'patient')['vote']
    """
    sub = table[table["metric"] == metric].pivot_table(index="model", columns=column,
                                                       values="value", sort=False)
    return (sub[high] - sub[low]).rename(f"{metric} gap ({high} − {low})")


TABLE2_COLUMNS = ["TP", "FP", "TN", "FN", "sensitivity", "specificity", "accuracy", "f1", "auc"]


def table2(frame: pd.DataFrame, sequences) -> pd.DataFrame:
    """The paper's Table 2 on a prediction frame, ours beside the paper's reported row.

    One row per (model, source): each sequence, the hard ``vote`` (counts from the majority,
    AUC from the vote fraction) and the ``soft vote`` (mean probability; the paper has none).

    Args:
        frame: slice predictions (``label``, ``p_<sequence>``).
        sequences: the three sequences.

    Example:
        >>> data = gl.prepare_data(gl.get_profile("smoke"))
        >>> run = gl.training.experiment.run_protocol(data, 'slice')
        >>> table2(run.predictions, ('t1', 't2', 'flair'))
    """
    frame = with_votes(frame, sequences)
    rows = {}
    for name, (score, hard) in model_columns(sequences).items():
        rows[(name, "ours")] = metrics.report(frame["label"], frame[score],
                                              predicted=None if hard is None else frame[hard])
        if name in TABLE2.index:
            rows[(name, "paper")] = TABLE2.loc[name].to_dict()
    return pd.DataFrame(rows).T[TABLE2_COLUMNS]


def roc_curves(frame: pd.DataFrame, sequences) -> dict[str, tuple]:
    """ROC curve per model of :func:`model_columns`: name → (fpr, tpr, auc).

    Args:
        frame: slice predictions.
        sequences: the sequences.

    Example:
        >>> seqs = ("t1", "t2", "flair")
        >>> data = gl.prepare_data(gl.get_profile("smoke"))
        >>> run = gl.run_recipe(data, "slice")
        >>> curves = roc_curves(run.predictions, seqs)
    """
    frame = with_votes(frame, sequences)
    labels = {VOTE: "vote (vote fraction)", SOFT_VOTE: "soft vote (mean probability)"}
    curves = {}
    for name, (score, _) in model_columns(sequences).items():
        fpr, tpr = metrics.roc(frame["label"], frame[score])
        auc = metrics.report(frame["label"], frame[score])["auc"]
        curves[labels.get(name, name)] = (fpr, tpr, auc)
    return curves


def stacked(frames: dict[str, pd.DataFrame], models: ModelMap,
            column: str = "protocol", n_resamples: int = 1000, seed: int = 0) -> pd.DataFrame:
    """:func:`metric_table` of each frame, stacked with the frame's key in ``column``.

    Args:
        frames: key (e.g. protocol) → prediction frame.
        models: display name → (score column, optional 0/1 column), as :func:`model_columns`.
        column: the name of the key column.

    Example:
        >>> data = gl.prepare_data(gl.get_profile("smoke"))
        >>> runs, frames = gl.protocol_runs(data)
        >>> seqs = ("t1", "t2", "flair")
        >>> stacked(frames, model_columns(seqs))
    """
    return pd.concat([metric_table(frame, models, n_resamples, seed, **{column: key})
                      for key, frame in frames.items()], ignore_index=True)


def patient_table(frame: pd.DataFrame, sequences, n_resamples: int = 1000,
                  seed: int = 0) -> pd.DataFrame:
    """Patients graded three ways, with patient-bootstrap intervals (chapter 6).

    Rows per model: each sequence and the soft vote graded by the mean slice probability and
    by the majority of slices, and the rule ``glioma-grade predict`` applies
    (:func:`glioma_lib.evaluation.vote.grade_patients`, model ``"vote (glioma-grade predict)"``).

    Args:
        frame: :func:`with_votes` frame of the test slices.
        sequences: the voting sequences.
        n_resamples, seed: the patient bootstrap.

    Example:
        >>> data = gl.prepare_data(gl.get_profile("smoke"))
        >>> run = gl.run_recipe(data, "slice")
        >>> patient_table(with_votes(run.predictions, ("t1", "t2", "flair")), ("t1", "t2", "flair"))
    """
    models = patient_models(sequences)
    patients = vote.patient_level(frame, vote.scores(models))
    rule = vote.grade_patients(frame, vote.VoteRule(tuple(sequences)))
    kw = dict(n_resamples=n_resamples, seed=seed)
    return pd.concat(
        [metric_table(patients, models, aggregation="mean slice probability", **kw),
         metric_table(patients, {n: (f"vote_{c}", None) for n, (c, _) in models.items()},
                      aggregation="majority of slices", **kw),
         metric_table(rule, {PREDICT_RULE: ("rule_score", "rule_vote")},
                      aggregation="majority of sequence votes", **kw)], ignore_index=True)


def vote_vs_chosen(val_frame: pd.DataFrame, test_frame: pd.DataFrame, sequences,
                   n_resamples: int = 1000, seed: int = 0) -> dict:
    """Is the soft vote better than the best single sequence? The sequence is chosen on the
    *validation* patients (:func:`choose_on_validation`), then both are compared on the test
    patients with a paired patient bootstrap of the AUC.

    Returns the paired result (``difference``, ``low``, ``high``, ``p_value``) with
    ``chosen`` and its ``validation_auc``.

    Args:
        val_frame: validation slice predictions (``ProtocolRun.val_predictions``).
        test_frame: :func:`with_votes` frame of the test slices.
        sequences: the candidate sequences.
        n_resamples, seed: the paired patient bootstrap.

    Example:
        >>> seqs = ("t1", "t2", "flair")
        >>> data = gl.prepare_data(gl.get_profile("smoke"))
        >>> run = gl.run_recipe(data, "slice")
        >>> vote_vs_chosen(run.val_predictions, with_votes(run.predictions, seqs), seqs)
    """
    candidates: ModelMap = {SEQUENCE_NAMES.get(s, s): (f"p_{s}", None) for s in sequences}
    chosen, aucs = choose_on_validation(val_frame, candidates)
    patients = vote.patient_level(test_frame, [*vote.scores(candidates), "p_soft"])
    paired = paired_bootstrap(patients, "p_soft", candidates[chosen][0], "auc",
                              n_resamples=n_resamples, seed=seed)
    return {**paired, "chosen": chosen, "validation_auc": float(aucs[chosen])}


def fusion_table(frame: pd.DataFrame, fusion: pd.DataFrame, n_resamples: int = 1000,
                 seed: int = 0) -> pd.DataFrame:
    """Hard vote, soft vote and early fusion on slices, late vs early fusion on patients.

    Args:
        frame: :func:`with_votes` frame of the per-sequence networks.
        fusion: predictions of the early-fusion network (``row``, ``p_fusion``).

    Example:
        >>> data = gl.prepare_data(gl.get_profile("smoke"))
        >>> runs, frames = gl.protocol_runs(data)
        >>> fusion_table(frames["patient"], gl.run_recipe(data, "fusion").predictions)
    """
    fused = frame.merge(fusion[["row", "p_fusion"]], on="row")
    patients = vote.patient_level(fused, ["p_soft", "p_fusion"])
    kw = dict(n_resamples=n_resamples, seed=seed)
    return pd.concat(
        [metric_table(fused, {"hard majority vote": ("p_vote", "hard_vote"),
                              "soft vote": ("p_soft", None),
                              "early fusion": ("p_fusion", None)}, level="slices", **kw),
         metric_table(patients, {"late fusion (mean prob.)": ("p_soft", None),
                                 "early fusion": ("p_fusion", None)}, level="patients", **kw)],
        ignore_index=True)


def transfer_table(runs: dict, sequence: str = "flair", n_resamples: int = 1000,
                   seed: int = 0) -> pd.DataFrame:
    """Per-patient metrics of one-sequence runs (name → ``ProtocolRun``), with the weights
    each actually had (chapter 6's ImageNet vs random initialisation).

    Args:
        runs: display name → ``ProtocolRun`` of one sequence.
        sequence: that sequence.
        n_resamples, seed: the patient bootstrap.

    Example:
        >>> data = gl.prepare_data(gl.get_profile("smoke"))
        >>> transfer_table({"ImageNet weights": gl.run_recipe(data, "transfer-imagenet")})
    """
    col = f"p_{sequence}"
    return pd.concat(
        [metric_table(vote.patient_level(r.predictions, [col]), {name: (col, None)},
                      n_resamples, seed, weights_used=r.weights_note)
         for name, r in runs.items()], ignore_index=True)


def always_hgg_accuracy(frame: pd.DataFrame, label: str = "label") -> float:
    """The accuracy of answering "HGG" for everything: the share of HGG rows.

    Args:
        frame: predictions with ``label``.

    Example:
        >>> data = gl.prepare_data(gl.get_profile("smoke"))
        >>> runs, frames = gl.protocol_runs(data)
        >>> always_hgg_accuracy(frames['patient'])  # the accuracy to beat
    """
    return float(np.mean(np.asarray(frame[label]) == 1))


def fold_scores(frame: pd.DataFrame, score: str, by: str = "fold") -> pd.DataFrame:
    """Per fold of a cross-validation, the patient-level metrics of one score column
    (patients graded by their mean slice score): one row per fold.

    Args:
        frame: pooled test slice predictions with ``by``, ``patient_id`` and ``label``.
        score: the score column (e.g. ``p_soft``).
        by: the fold column.

    Example:
        >>> f = pd.DataFrame({"fold": [0, 0, 1, 1], "patient_id": list("abcd"),
        ...                   "label": [1, 0, 1, 0], "p_soft": [0.9, 0.2, 0.4, 0.6]})
        >>> fold_scores(f, "p_soft")["auc"].tolist()
        [1.0, 0.0]
    """
    rows = {}
    for fold, part in frame.groupby(by, sort=True):
        patients = vote.patient_mean(part, [score])
        rows[fold] = metrics.report(patients["label"], patients[score])
    return pd.DataFrame.from_dict(rows, orient="index").rename_axis(by)
