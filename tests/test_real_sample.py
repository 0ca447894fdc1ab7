"""glioma_lib.real_sample: a real BraTS folder graded by a book's networks, with and without
the mask."""

from __future__ import annotations

import pandas as pd
import pytest
from conftest import SAMPLE

from glioma_lib.config import SEQUENCES
from glioma_lib.models import create, model_card, save_model
from glioma_lib.real_sample import grade_sample, sample_summary


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    """A models folder with a ``cv-fold0`` protocol (random-init MobileNetV2s at 32 px)."""
    root = tmp_path_factory.mktemp("results") / "unit" / "models"
    for seq in SEQUENCES:
        model = create("mobilenet_v2", weights=None)
        save_model(model, root / "cv-fold0" / seq, model_card(model, seq, 32, 4, "unit",
                                                              "cv-fold0"))
    return root


def _check(rows: pd.DataFrame, n_patients: int):
    assert len(rows) == 2 * n_patients
    assert set(rows["window"]) == {"mask", "automatic"}
    assert rows.groupby("patient_id")["window"].nunique().eq(2).all()
    assert rows["verdict"].isin(["HGG", "LGG"]).all()
    assert rows["score_hgg"].between(0, 1).all()
    assert {f"p_{s}" for s in SEQUENCES} <= set(rows.columns)
    assert (rows["weights"] == "random").all() or rows["weights"].notna().all()


def test_a_tiny_cohort_is_graded_with_and_without_its_mask(cohort_2019, models):
    rows = grade_sample(cohort_2019, models, "cv-fold0")
    _check(rows, 5)
    summary = sample_summary(rows)
    assert set(summary) == {"mask", "automatic"}
    assert summary["mask"]["patients"] == 5 and summary["mask"]["auc"] is not None


@pytest.mark.skipif(not SAMPLE.is_dir(), reason="../shared/brats-sample (four real BraTS "
                                                "patients) absent")
def test_the_real_sample_is_graded_per_patient_and_window(models):
    rows = grade_sample(SAMPLE, models, "cv-fold0")
    _check(rows, 4)
    assert sorted(rows.drop_duplicates("patient_id")["grade"]) == ["HGG", "HGG", "LGG", "LGG"]


def test_summary_counts_right_verdicts_and_scores_the_vote():
    rows = pd.DataFrame({"window": ["mask"] * 4 + ["automatic"] * 2,
                         "grade": ["HGG", "HGG", "LGG", "LGG", "HGG", "HGG"],
                         "verdict": ["HGG", "LGG", "LGG", "HGG", "HGG", "HGG"],
                         "score_hgg": [1.0, 1 / 3, 0.0, 2 / 3, 1.0, 1.0]})
    summary = sample_summary(rows)
    assert summary["mask"] == {"accuracy": 0.5, "auc": 0.75, "patients": 4}
    assert summary["automatic"]["auc"] is None  # one grade only: no ROC
    assert summary["automatic"]["accuracy"] == 1.0
