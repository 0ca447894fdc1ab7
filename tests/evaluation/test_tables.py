"""Tests of glioma_lib.evaluation.tables and the cells that show its tables
(glioma_lib.reporting.cells)."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
from conftest import slice_frame

from glioma_lib.evaluation import tables as evaluation
from glioma_lib.evaluation import vote
from glioma_lib.reporting import cells


def test_evaluation_tables():
    frame = slice_frame().assign(p_t1=lambda f: f["p"], p_t2=lambda f: 1 - f["p"],
                                 p_flair=lambda f: f["p"])
    frame = vote.with_votes(frame, ("t1", "t2", "flair"))
    hard = (frame["p"] >= 0.5).astype(int)
    np.testing.assert_array_equal(frame["hard_vote"], hard)
    # the hard vote is scored by its vote fraction, the soft vote by the mean probability
    assert np.allclose(frame["p_vote"], (2 * hard + (1 - hard)) / 3)
    assert np.allclose(frame["p_soft"], (2 * frame["p"] + 1 - frame["p"]) / 3)
    models = vote.model_columns(("t1", "t2", "flair"))
    assert models["vote"] == ("p_vote", "hard_vote") and models["T2WI"] == ("p_t2", None)
    assert models["soft vote"] == ("p_soft", None)
    worse = frame.assign(p_t1=1 - frame["p_t1"])  # protocol b: T1 inverted
    long = pd.concat([evaluation.metric_table(f, models, n_resamples=50, protocol=k)
                      for k, f in (("a", frame), ("b", worse))], ignore_index=True)
    assert set(long["protocol"]) == {"a", "b"} and len(long) == 2 * 5 * 5
    table = cells.wide(long, ["protocol", "model"])
    assert table.shape == (10, 5) and re.fullmatch(r"[\d.]+\xa0% \[[\d.]+,\xa0[\d.]+\]",
                                                   table.iloc[0, 0])
    gap = evaluation.gap(long, "protocol", "a", "b")
    acc = long[long["metric"] == "accuracy"].set_index(["protocol", "model"])["value"]
    t1_gap = acc[("a", "T1WI")] - acc[("b", "T1WI")]
    assert gap["T1WI"] == pytest.approx(t1_gap) and t1_gap > 0.3
    assert gap["T2WI"] == 0


def test_table2_vote_row_describes_one_classifier():
    from sklearn.metrics import roc_auc_score

    frame = slice_frame()
    rng = np.random.default_rng(3)
    frame = frame.assign(**{f"p_{s}": np.clip(frame["p"] + rng.normal(0, 0.25, len(frame)),
                                              0, 1) for s in ("t1", "t2", "flair")})
    table = evaluation.table2(frame, ("t1", "t2", "flair"))
    votes = np.stack([(frame[f"p_{s}"] >= 0.5).astype(int) for s in ("t1", "t2", "flair")])
    fraction = votes.mean(0)
    assert table.loc[("vote", "ours"), "auc"] == pytest.approx(
        roc_auc_score(frame["label"], fraction))
    soft = frame[["p_t1", "p_t2", "p_flair"]].mean(axis=1)
    assert table.loc[("soft vote", "ours"), "auc"] == pytest.approx(
        roc_auc_score(frame["label"], soft))
    assert table.loc[("vote", "ours"), "auc"] != table.loc[("soft vote", "ours"), "auc"]
    assert table.loc[("vote", "ours"), "TP"] == ((fraction > 0.5) & (frame["label"] == 1)).sum()
    assert ("vote", "paper") in table.index and ("soft vote", "paper") not in table.index
    assert set(evaluation.roc_curves(frame, ("t1", "t2", "flair"))) >= {
        "vote (vote fraction)", "soft vote (mean probability)"}


def test_best_single_sequence_is_chosen_on_validation_not_test():
    val = slice_frame().assign(p_t1=lambda f: f["p"], p_t2=lambda f: 1 - f["p"],
                               p_flair=0.5)
    three = {"T1WI": ("p_t1", None), "T2WI": ("p_t2", None), "FLAIR": ("p_flair", None)}
    name, aucs = evaluation.choose_on_validation(val, three)
    assert name == "T1WI" and aucs["T2WI"] < 0.5 and aucs["FLAIR"] == 0.5
    flipped = val.assign(p_t1=1 - val["p"], p_t2=val["p"])  # what a test split might say
    two = {"T1WI": ("p_t1", None), "T2WI": ("p_t2", None)}
    assert evaluation.choose_on_validation(flipped, two)[0] == "T2WI"
    name, aucs = evaluation.choose_on_validation(
        val[val["label"] == 1], {"FLAIR": ("p_flair", None), "T1WI": ("p_t1", None)})
    assert name == "FLAIR" and aucs.isna().all()  # one grade: nothing to choose on


def _frames():
    frame = slice_frame()
    rng = np.random.default_rng(5)
    for s in ("t1", "t2", "flair"):
        frame[f"p_{s}"] = np.clip(frame["p"] + rng.normal(0, 0.2, len(frame)), 0, 1)
    frame["row"] = np.arange(len(frame))
    return vote.with_votes(frame, ("t1", "t2", "flair"))


def test_stacked_tables_and_lookups():
    frame = _frames()
    worse = frame.assign(p_t1=1 - frame["p_t1"])
    models = vote.model_columns(("t1", "t2", "flair"))
    long = evaluation.stacked({"a": frame, "b": worse}, models, n_resamples=30)
    assert set(long["protocol"]) == {"a", "b"}
    a = cells.lookup(long, "accuracy", protocol="a", model="T1WI")
    b = cells.lookup(long, "accuracy", protocol="b", model="T1WI")
    auc = cells.lookup(long, "auc", protocol="a", model="T1WI")
    cell = cells.lookup(long, "auc", interval=True, percent=False, protocol="a", model="T1WI")
    assert a > b and cell.startswith(f"{auc:.3f}") and "[" in cell
    with pytest.raises(KeyError):
        cells.lookup(long, "accuracy", model="T1WI")  # two protocols match


def test_patient_table_holds_the_predict_rule():
    from glioma_lib.evaluation import vote

    frame = _frames()
    table = evaluation.patient_table(frame, ("t1", "t2", "flair"), n_resamples=30)
    rule = vote.grade_patients(frame, vote.VoteRule(("t1", "t2", "flair")))
    acc = cells.lookup(table, "accuracy", model=vote.PREDICT_RULE)
    assert acc == pytest.approx((rule["rule_vote"] == rule["label"]).mean())
    assert set(table["aggregation"]) == {"mean slice probability", "majority of slices",
                                         "majority of sequence votes"}


def test_vote_vs_chosen_chooses_on_validation():
    frame = _frames()
    val = frame.assign(p_t2=frame["label"].astype(float))  # T2 perfect on validation only
    out = evaluation.vote_vs_chosen(val, frame, ("t1", "t2", "flair"), n_resamples=30)
    assert out["chosen"] == "T2WI" and out["validation_auc"] == 1.0
    assert {"difference", "low", "high", "p_value"} <= set(out)
    assert cells.one_row(out, "x").index.tolist() == ["x"]


def test_fusion_and_transfer_tables():
    from types import SimpleNamespace

    frame = _frames()
    fusion = frame[["row"]].assign(p_fusion=frame["p"])
    table = evaluation.fusion_table(frame, fusion, n_resamples=30)
    assert set(table["level"]) == {"slices", "patients"}
    assert cells.lookup(table, "auc", level="slices", model="soft vote") == pytest.approx(
        cells.lookup(evaluation.metric_table(frame, {"s": ("p_soft", None)}, 30), "auc"))
    runs = {"a": SimpleNamespace(predictions=frame.assign(p_flair=frame["p"]), weights_note="w")}
    transfer = evaluation.transfer_table(runs, n_resamples=30)
    assert set(transfer["weights_used"]) == {"w"} and set(transfer["model"]) == {"a"}
    assert evaluation.always_hgg_accuracy(frame) == pytest.approx(frame["label"].mean())


def test_the_cross_validation_stands_beside_the_papers_table2():
    from conftest import slice_frame

    from glioma_lib.evaluation import tables
    from glioma_lib.reporting.beside_paper import beside_paper

    frame = slice_frame()
    for s, shift in (("t1", 0.0), ("t2", 0.05), ("flair", -0.05)):
        frame[f"p_{s}"] = (frame["p"] + shift).clip(0, 1)
    frame["row"] = range(len(frame))
    seqs = ("t1", "t2", "flair")
    cv = tables.patient_table(vote.with_votes(frame, seqs), seqs, n_resamples=50)
    out = beside_paper(tables.table2(frame, seqs), cv)
    assert list(out.index) == ["T1WI", "T2WI", "FLAIR", "vote", "soft vote"]
    sources = list(dict.fromkeys(out.columns.get_level_values(0)))
    assert sources == ["paper: slice split (reported)", "this book: slice split",
                       "this book: patient-level CV"]
    assert out.loc["vote", ("paper: slice split (reported)", "accuracy")] == 0.99
    assert "[" in out.loc["vote", ("this book: patient-level CV", "auc")]
    assert pd.isna(out.loc["soft vote", ("paper: slice split (reported)", "accuracy")])


def test_fold_scores_grade_each_fold_on_its_own_patients():
    frame = pd.DataFrame({"fold": [0, 0, 0, 0, 1, 1, 1, 1], "patient_id": list("aabbccdd"),
                          "label": [1, 1, 0, 0, 1, 1, 0, 0],
                          "p_soft": [0.9, 0.7, 0.2, 0.4, 0.3, 0.3, 0.8, 0.6]})
    folds = evaluation.fold_scores(frame, "p_soft")
    assert folds.index.tolist() == [0, 1] and folds["auc"].tolist() == [1.0, 0.0]
    assert folds.loc[0, "accuracy"] == 1.0 and folds.loc[1, "TP"] == 0
