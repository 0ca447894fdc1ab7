"""Tables of the evaluation chapters: votes added to a prediction frame, metrics with
patient-bootstrap intervals for several models, and the wide display of such tables."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..config import SEQUENCE_NAMES
from . import vote
from .uncertainty import METRICS, format_interval, patient_bootstrap

VOTE = "vote"
SOFT_VOTE = "soft vote"


def with_votes(frame: pd.DataFrame, sequences) -> pd.DataFrame:
    """Add the combined models: ``hard_vote`` (the paper's majority of the sequences' 0/1
    decisions), ``p_vote`` (the share of sequences voting HGG: the hard vote's ROC score) and
    ``p_soft`` (the soft vote: mean probability, a model of its own).

    Args:
        frame: slice predictions with ``p_<sequence>`` columns.
        sequences: the voting sequences.

    Example:
        >>> with_votes(run.predictions, ('t1', 't2', 'flair'))[['p_vote', 'hard_vote', 'p_soft']]
    """
    probs = np.stack([frame[f"p_{s}"].to_numpy() for s in sequences])
    votes = (probs >= 0.5).astype(int)
    return frame.assign(p_vote=vote.fraction(votes), hard_vote=vote.majority(votes),
                        p_soft=vote.soft(probs))


def model_columns(sequences, soft_vote: bool = True) -> dict[str, tuple[str, str | None]]:
    """Display name → (score column, optional 0/1 column) for each sequence, the hard vote
    (scored by its vote fraction) and, unless ``soft_vote=False``, the soft vote.

    Args:
        sequences: the sequences.
        soft_vote: include the soft vote.

    Example:
        >>> model_columns(('t1', 't2', 'flair'))['vote']
        ('p_vote', 'hard_vote')
    """
    cols = {SEQUENCE_NAMES.get(s, s): (f"p_{s}", None) for s in sequences}
    cols[VOTE] = ("p_vote", "hard_vote")
    if soft_vote:
        cols[SOFT_VOTE] = ("p_soft", None)
    return cols


def choose_on_validation(val_frame: pd.DataFrame, candidates: dict[str, str],
                         by: str = "patient_id") -> tuple[str, pd.Series]:
    """The candidate with the highest patient-level AUC on the *validation* split.

    ``candidates`` maps a display name to a probability column of ``val_frame`` (slice
    predictions); patients are graded by their mean slice probability. Returns the chosen
    name and every candidate's validation AUC (ties: the first candidate). A validation split
    with one grade only (a tiny cohort) cannot choose: the AUCs are NaN and the first
    candidate is returned.

    Args:
        val_frame: validation slice predictions.
        candidates: display name → probability column.

    Example:
        >>> choose_on_validation(run.val_predictions, {'T1WI': 'p_t1', 'FLAIR': 'p_flair'})
    """
    from sklearn.metrics import roc_auc_score

    patients = vote.patient_mean(val_frame, list(candidates.values()), by=by)
    if patients["label"].nunique() < 2:
        nan = pd.Series(float("nan"), index=list(candidates), name="validation AUC")
        return next(iter(candidates)), nan
    aucs = pd.Series({name: roc_auc_score(patients["label"], patients[col])
                      for name, col in candidates.items()}, name="validation AUC")
    return str(aucs.idxmax()), aucs


def metric_table(frame: pd.DataFrame, models: dict[str, tuple[str, str | None]],
                 n_resamples: int = 1000, seed: int = 0, **labels) -> pd.DataFrame:
    """Long table: one row per model and metric with ``value``, ``low``, ``high``.

    Extra keyword arguments become constant columns (e.g. ``protocol="patient"``).

    Args:
        frame: predictions with ``label`` and ``patient_id``.
        models: display name → (score column, optional 0/1 column).
        n_resamples, seed: the patient bootstrap.
        labels: constant columns added to every row.

    Example:
        >>> metric_table(frame, model_columns(('t1', 't2', 'flair')), protocol='patient')
    """
    parts = []
    for name, (score, predicted) in models.items():
        ci = patient_bootstrap(frame, score, predicted, n_resamples=n_resamples, seed=seed)
        parts.append(ci.reset_index().assign(model=name, **labels))
    return pd.concat(parts, ignore_index=True)


def wide(table: pd.DataFrame, rows, metrics=METRICS) -> pd.DataFrame:
    """``metric_table`` output as ``rows`` × metric cells ``"value [low, high]"``.

    Args:
        table: a long :func:`metric_table`.
        rows: the columns that index the rows.
        metrics: the metric columns, in order.

    Example:
        >>> wide(leak, ['protocol', 'model'])
    """
    rows = [rows] if isinstance(rows, str) else list(rows)
    cells = table.assign(cell=[format_interval(v, lo, hi) for v, lo, hi in
                               table[["value", "low", "high"]].itertuples(index=False)])
    out = cells.pivot_table(index=rows, columns="metric", values="cell", aggfunc="first",
                            sort=False)
    return out[[m for m in metrics if m in out.columns]]


def gap(table: pd.DataFrame, column: str, high: str, low: str, metric: str = "accuracy"
        ) -> pd.Series:
    """Per model: ``metric`` under ``column == high`` minus under ``column == low``.

    Args:
        table: a long :func:`metric_table`.
        column: the column with the two settings.
        high, low: the two settings.
        metric: the metric compared.

    Example:
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
        >>> table2(run_protocol(data, 'slice').predictions, ('t1', 't2', 'flair'))
    """
    from ..reporting import paper
    from . import metrics

    frame = with_votes(frame, sequences)
    rows = {}
    for name, (score, hard) in model_columns(sequences).items():
        rows[(name, "ours")] = metrics.report(frame["label"], frame[score],
                                              predicted=None if hard is None else frame[hard])
        if name in paper.TABLE2.index:
            rows[(name, "paper")] = paper.TABLE2.loc[name].to_dict()
    return pd.DataFrame(rows).T[TABLE2_COLUMNS]


def roc_curves(frame: pd.DataFrame, sequences) -> dict[str, tuple]:
    """ROC curve per model of :func:`model_columns`: name → (fpr, tpr, auc).

    Args:
        frame: slice predictions.
        sequences: the sequences.

    Example:
        >>> roc_figure(roc_curves(run.predictions, ('t1', 't2', 'flair')))
    """
    from . import metrics

    frame = with_votes(frame, sequences)
    labels = {VOTE: "vote (vote fraction)", SOFT_VOTE: "soft vote (mean probability)"}
    curves = {}
    for name, (score, _) in model_columns(sequences).items():
        fpr, tpr = metrics.roc(frame["label"], frame[score])
        auc = metrics.report(frame["label"], frame[score])["auc"]
        curves[labels.get(name, name)] = (fpr, tpr, auc)
    return curves


def stacked(frames: dict[str, pd.DataFrame], models: dict[str, tuple[str, str | None]],
            column: str = "protocol", n_resamples: int = 1000, seed: int = 0) -> pd.DataFrame:
    """:func:`metric_table` of each frame, stacked with the frame's key in ``column``.

    Args:
        frames: key (e.g. protocol) → prediction frame.
        models: display name → (score column, optional 0/1 column), as :func:`model_columns`.
        column: the name of the key column.

    Example:
        >>> stacked({"slice": a, "patient": b}, model_columns(("t1", "t2", "flair")))
    """
    return pd.concat([metric_table(frame, models, n_resamples, seed, **{column: key})
                      for key, frame in frames.items()], ignore_index=True)


def lookup(table: pd.DataFrame, metric: str, interval: bool = False, percent: bool = True,
           **keys) -> float | str:
    """One metric of a long :func:`metric_table`: the value, or with ``interval=True`` the
    formatted ``"value [low, high]"`` cell.

    Args:
        table: a long :func:`metric_table`.
        metric: the metric.
        interval: return the formatted interval cell instead of the value.
        percent: format the cell in percent.
        keys: column = value filters that leave exactly one row.

    Example:
        >>> lookup(leak, "accuracy", protocol="slice", model="vote")
    """
    rows = table[table["metric"] == metric]
    for key, value in keys.items():
        rows = rows[rows[key] == value]
    if len(rows) != 1:
        raise KeyError(f"{len(rows)} rows match {metric} {keys}")
    row = rows.iloc[0]
    if interval:
        return format_interval(row["value"], row["low"], row["high"], percent=percent)
    return float(row["value"])


def patient_table(frame: pd.DataFrame, sequences, n_resamples: int = 1000,
                  seed: int = 0) -> pd.DataFrame:
    """Patients graded three ways, with patient-bootstrap intervals (chapter 6).

    Rows per model: each sequence and the soft vote graded by the mean slice probability and
    by the majority of slices, and the rule ``glioma-grade predict`` applies
    (:func:`glioma_lib.evaluation.vote.patient_rule`, model ``"vote (glioma-grade predict)"``).

    Args:
        frame: :func:`with_votes` frame of the test slices.
        sequences: the voting sequences.
        n_resamples, seed: the patient bootstrap.

    Example:
        >>> patient_table(with_votes(run.predictions, ("t1", "t2", "flair")), ("t1", "t2", "flair"))
    """
    names = patient_columns(sequences)
    patients = vote.patient_level(frame, list(names))
    rule = vote.patient_rule(frame, sequences)
    kw = dict(n_resamples=n_resamples, seed=seed)
    return pd.concat(
        [metric_table(patients, {n: (c, None) for c, n in names.items()},
                      aggregation="mean slice probability", **kw),
         metric_table(patients, {n: (f"vote_{c}", None) for c, n in names.items()},
                      aggregation="majority of slices", **kw),
         metric_table(rule, {PREDICT_RULE: ("rule_score", "rule_vote")},
                      aggregation="majority of sequence votes", **kw)], ignore_index=True)


#: The model name of ``glioma-grade predict``'s rule in the chapters' tables.
PREDICT_RULE = "vote (glioma-grade predict)"
SOFT_PATIENT = "soft vote (mean prob.)"


def patient_columns(sequences) -> dict[str, str]:
    """Probability column → display name of the per-patient tables (sequences, soft vote).

    Args:
        sequences: the sequences.

    Example:
        >>> patient_columns(('t1', 'flair'))
        {'p_t1': 'T1WI', 'p_flair': 'FLAIR', 'p_soft': 'soft vote (mean prob.)'}
    """
    return {f"p_{s}": SEQUENCE_NAMES.get(s, s) for s in sequences} | {"p_soft": SOFT_PATIENT}


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
        >>> vote_vs_chosen(run.val_predictions, with_votes(run.predictions, seqs), seqs)
    """
    from .uncertainty import paired_bootstrap

    candidates = {SEQUENCE_NAMES.get(s, s): f"p_{s}" for s in sequences}
    chosen, aucs = choose_on_validation(val_frame, candidates)
    patients = vote.patient_level(test_frame, [*candidates.values(), "p_soft"])
    paired = paired_bootstrap(patients, "p_soft", candidates[chosen], "auc",
                              n_resamples=n_resamples, seed=seed)
    return {**paired, "chosen": chosen, "validation_auc": float(aucs[chosen])}


def fusion_table(frame: pd.DataFrame, fusion: pd.DataFrame, n_resamples: int = 1000,
                 seed: int = 0) -> pd.DataFrame:
    """Hard vote, soft vote and early fusion on slices, late vs early fusion on patients.

    Args:
        frame: :func:`with_votes` frame of the per-sequence networks.
        fusion: predictions of the early-fusion network (``row``, ``p_fusion``).

    Example:
        >>> fusion_table(frames["patient"], fusion_run.predictions)
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
        >>> transfer_table({"ImageNet weights": a, "random init": b})
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
        >>> always_hgg_accuracy(frames['patient'])  # the accuracy to beat
    """
    return float(np.mean(np.asarray(frame[label]) == 1))


def one_row(result: dict, name: str) -> pd.DataFrame:
    """A result dictionary (e.g. :func:`vote_vs_chosen`'s) as a one-row table named ``name``.

    Args:
        result: a flat dictionary.
        name: the row's name.

    Example:
        >>> one_row(vote_vs_chosen(val, test, seqs), 'AUC difference')
    """
    return pd.DataFrame([result], index=[name])


def beside_paper(table2_frame: pd.DataFrame, cv_table: pd.DataFrame,
                 metrics: tuple[str, ...] = ("accuracy", "auc")) -> pd.DataFrame:
    """The honest headline beside the paper's: per model, the paper's reported Table 2 (one
    slice-level split), this book's Table 2 on its slice-level split, and the patient-level
    cross-validation (per patient, mean slice probability; the vote row is the rule of
    ``glioma-grade predict``), each ``metrics``.

    Args:
        table2_frame: :func:`table2` of the slice-level run.
        cv_table: :func:`patient_table` of the pooled cross-validation predictions.
        metrics: the metrics shown.

    Example:
        >>> beside_paper(table2(slice_run.predictions, seqs), patient_table(cv_frame, seqs))
    """
    cv = cv_table[cv_table["aggregation"] != "majority of slices"]
    cv = cv.assign(model=cv["model"].replace({PREDICT_RULE: VOTE, SOFT_PATIENT: SOFT_VOTE}))
    columns = {}
    for metric in metrics:
        t2 = table2_frame[metric]
        columns[("paper: slice split (reported)", metric)] = t2.xs("paper", level=1)
        columns[("this book: slice split", metric)] = t2.xs("ours", level=1)
        rows = cv[cv["metric"] == metric].set_index("model")
        columns[("this book: patient-level CV", metric)] = pd.Series(
            [format_interval(r["value"], r["low"], r["high"], percent=False)
             for _, r in rows.iterrows()], index=rows.index)
    order = list(dict.fromkeys(table2_frame.index.get_level_values(0)))
    out = pd.DataFrame(columns).reindex(order)
    return out[[c for c in out.columns if c[1] == metrics[0]]
               + [c for c in out.columns if c[1] != metrics[0]]]
