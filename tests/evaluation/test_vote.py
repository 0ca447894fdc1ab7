"""Tests of glioma_lib.evaluation.vote."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from glioma_lib.evaluation import vote


def test_majority_vote():
    preds = np.array([[1, 0, 1, 0], [1, 1, 0, 0], [0, 1, 1, 0]])
    assert vote.majority(preds).tolist() == [1, 1, 1, 0]
    assert vote.majority(np.array([[1, 0], [0, 0]])).tolist() == [0, 0]  # a tie is not > half
    with pytest.raises(ValueError):
        vote.majority(np.array([0, 1]))
    with pytest.raises(ValueError):
        vote.majority(np.array([[0.3, 1]]))


def test_soft_vote_and_patient_mean():
    import pandas as pd

    assert np.allclose(vote.soft([[0.2, 0.9], [0.4, 0.5]]), [0.3, 0.7])
    frame = pd.DataFrame({"patient_id": ["a", "a", "b"], "p": [0.2, 0.4, 0.9], "label": [0, 0, 1]})
    out = vote.patient_mean(frame, ["p"])
    assert out.p.tolist() == pytest.approx([0.3, 0.9]) and out.label.tolist() == [0, 1]


def test_vote_fraction_scores_the_hard_vote():
    votes = np.array([[1, 0, 1, 0], [1, 1, 0, 0], [0, 1, 1, 0]])
    frac = vote.fraction(votes)
    assert frac.tolist() == pytest.approx([2 / 3, 2 / 3, 2 / 3, 0])
    assert ((frac > 0.5).astype(int) == vote.majority(votes)).all()


def test_the_one_rule_grades_patients_and_says_what_it_does():
    import pandas as pd

    # patient a: T1 0.45 (LGG), T2 0.40 (LGG), FLAIR 0.95 (HGG) -> LGG though the mean is 0.6
    frame = pd.DataFrame({"patient_id": ["a", "a", "b", "b"], "label": [1, 1, 0, 0],
                          "p_t1": [0.4, 0.5, 0.6, 0.7], "p_t2": [0.3, 0.5, 0.9, 0.8],
                          "p_flair": [0.9, 1.0, 0.1, 0.2]})
    rule = vote.VoteRule(("t1", "t2", "flair"))
    out = vote.grade_patients(frame, rule).set_index("patient_id")
    assert out.loc["a", "rule_vote"] == 0 and out.loc["a", "rule_score"] == pytest.approx(1 / 3)
    assert out.loc["b", "rule_vote"] == 1 and out.loc["b", "rule_score"] == pytest.approx(2 / 3)
    assert ((out["rule_score"] > 0.5).astype(int) == out["rule_vote"]).all()
    assert ">= 0.5" in rule.text() and "(0, 1/3, 2/3, 1)" in rule.text()
    # at 0.4, a's T1 (0.45) and T2 (0.40) vote HGG too: 3/3; b keeps 2/3
    lenient = vote.grade_patients(frame, vote.VoteRule(rule.sequences, 0.4))
    assert lenient["rule_vote"].tolist() == [1, 1] and lenient["rule_score"].tolist() == [
        pytest.approx(1.0), pytest.approx(2 / 3)]


def test_decide_takes_a_threshold_per_model_or_per_model_and_patient():
    probs = [[0.9, 0.4], [0.6, 0.7], [0.2, 0.3]]
    assert vote.decide(probs, [0.95, 0.5, 0.1])[1].tolist() == [1, 1]
    per_patient = [[0.5, 0.5], [0.5, 0.8], [0.5, 0.5]]
    share, verdict = vote.decide(probs, per_patient)
    assert verdict.tolist() == [1, 0] and share.tolist() == [pytest.approx(2 / 3), 0.0]


def test_the_command_reports_the_rule_the_chapters_evaluate():
    from glioma_lib import predict

    assert predict.RULE == predict.PREDICT.text() == vote.VoteRule(predict.SEQUENCES).text()


def test_patient_level_grading():
    frame = pd.DataFrame({"patient_id": ["A", "A", "A", "B", "B"], "label": [1, 1, 1, 0, 0],
                          "p_t1": [0.9, 0.6, 0.1, 0.2, 0.4]})
    out = vote.patient_level(frame, ["p_t1"]).set_index("patient_id")
    assert out.loc["A", "p_t1"] == pytest.approx(1.6 / 3)
    assert out.loc["A", "vote_p_t1"] == pytest.approx(2 / 3)
    assert out.loc["B", "vote_p_t1"] == 0 and out.loc["B", "label"] == 0
    assert out["n_slices"].tolist() == [3, 2]
