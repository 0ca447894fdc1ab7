"""glioma_lib.real_sample: a real BraTS folder graded by a book's networks, with and without
the mask."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from conftest import SAMPLE

from glioma_lib.config import SEQUENCES
from glioma_lib.models import create, model_card, save_model
from glioma_lib.real_sample import (
    REAL_SETS,
    grade_real,
    grade_sample,
    real_auc,
    real_patient_table,
    real_sentence,
    real_sets,
    real_summary,
    sample_summary,
)


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


# --- chapter 7's real patients: the calibration set and the external set -------------------

EXTERNAL = SAMPLE.parent / REAL_SETS["external"]


def _rows() -> pd.DataFrame:
    rows = []
    for pid, role, grade, soft in [("e1", "external", "HGG", 0.9), ("e2", "external", "HGG", 0.3),
                                   ("c1", "calibration", "HGG", 0.8),
                                   ("c2", "calibration", "LGG", 0.1),
                                   ("c3", "calibration", "LGG", 0.6)]:
        for window in ("mask", "automatic"):
            rows.append({"set": role, "patient_id": pid, "site": "CBICA", "grade": grade,
                         "window": window, "verdict": "HGG" if soft >= 0.5 else "LGG",
                         "score_hgg": 1.0 if soft >= 0.5 else 0.0, "score_soft": soft})
    return pd.DataFrame(rows)


def test_real_summary_scores_external_recall_and_an_auc_over_all_real_patients():
    section = real_summary(_rows(), n_resamples=200)
    mask = section.table.loc["mask"]
    assert mask["external: HGG recall"] == "1 of 2"
    assert mask["patients (HGG / LGG)"] == "3 / 2"
    assert mask["all real: always HGG"] == "60.0%"
    assert mask["all real: AUC, soft score"].startswith("0.833")  # 5 of 6 pairs ranked right
    assert section.values["real_sets"] == "3 calibration, 2 external"
    assert "do not grade real patients above chance" in section.values["real_sentence"]
    table = real_patient_table(section.long)
    assert list(table.index[:2]) == ["c1", "c2"] and table.loc["e2", "mask"].startswith("LGG")


def test_real_auc_gives_the_summary_as_numbers():
    numbers = real_auc(_rows(), n_resamples=200)["mask"]
    assert numbers["auc"] == pytest.approx(5 / 6) and numbers["auc_low"] <= numbers["auc"]
    assert numbers["external_hgg_recall"] == 0.5
    assert (numbers["hgg"], numbers["lgg"]) == (3, 2)
    one_grade = real_auc(_rows().query("grade == 'HGG'"), n_resamples=50)["mask"]
    assert one_grade["auc"] is None and one_grade["lgg"] == 0


def test_the_sentence_follows_the_analysis_plans_rule():
    above = real_sentence(pd.Series({"value": 0.9, "low": 0.7, "high": 1.0}), "automatic")
    assert "above chance" in above and "not" not in above
    assert "one grade only" in real_sentence(None, "mask")


def test_without_the_real_sets_the_chapter_says_so(tmp_path):
    assert real_sets(tmp_path) == {}
    section = real_summary(grade_real({}, tmp_path))
    assert "not on this machine" in section.values["real_sentence"]
    assert "not graded" in real_patient_table(section.long).iloc[0, 0]


@pytest.mark.skipif(not EXTERNAL.is_dir(), reason="../shared/brats-external (eleven real BraTS "
                                                  "HGG patients) absent")
def test_every_real_patient_is_graded_with_its_set(models):
    rows = grade_real(real_sets(SAMPLE.parent), models, "cv-fold0")
    per_set = rows.drop_duplicates("patient_id").groupby("set")["grade"].agg(list)
    assert sorted(per_set["calibration"]) == ["HGG", "HGG", "LGG", "LGG"]
    assert per_set["external"] == ["HGG"] * 11
    assert rows["score_soft"].between(0, 1).all() and len(rows) == 2 * 15


@pytest.mark.skipif(not EXTERNAL.is_dir() or not SAMPLE.is_dir(),
                    reason="../shared/brats-sample and ../shared/brats-external absent")
def test_the_generator_and_its_calibration_never_read_the_external_set(tmp_path):
    """The external set is never fitted to: generating a cohort, the calibration's before/after
    configurations, the realism statistics of the calibration set and refitting the tumour
    shapes from it (``bench/bench_shapes.py``'s fit, to a scratch file) open no file of it."""
    import sys

    from glioma_lib.data.brats import index_cohort, load_patient
    from glioma_lib.data.realism import patient_stats
    from glioma_lib.data.synth_calibration import calibration_table, uncalibrated_config
    from glioma_lib.data.synth_cohort import make_cohort
    from glioma_lib.data.synth_shapes import fit_shapes

    opened: list[str] = []
    watching = [True]
    external = str(EXTERNAL.resolve())

    def hook(event, args):
        if watching[0] and event == "open" and args and isinstance(args[0], (str, Path)):
            opened.append(str(Path(args[0]).resolve()))

    sys.addaudithook(hook)  # audit hooks cannot be removed: this one stops watching below
    try:
        calibration_table()
        make_cohort(tmp_path / "cohort", 1, 1, seed=3, cfg=uncalibrated_config(), workers=1,
                    progress=False)
        for _, row in index_cohort(SAMPLE).iterrows():
            patient_stats(load_patient(row, ("t1", "t2", "flair")))
        cohort = index_cohort(SAMPLE)
        fit_shapes([(r.patient_id, r.grade, r.seg) for r in cohort.itertuples()])
    finally:
        watching[0] = False
    assert any(p.startswith(str(SAMPLE.resolve())) for p in opened)  # the hook saw reads
    assert not [p for p in opened if p.startswith(external)]


def test_no_generator_or_calibration_module_names_the_external_set():
    from glioma_lib.config import project_root

    data = project_root() / "glioma_lib" / "data"
    for path in [*data.glob("*.py"), project_root() / "bench" / "bench_shapes.py"]:
        text = path.read_text()
        assert REAL_SETS["external"] not in text and "real_sets" not in text, path
