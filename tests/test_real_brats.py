"""The smoke book and ``glioma-grade predict`` on four real BraTS patients
(``../shared/brats-sample``: LPS int16 volumes whose intensity scale differs ~20× by site)."""

from __future__ import annotations

import json

import pytest
from conftest import SAMPLE

from glioma_lib.cli import main
from glioma_lib.data.brats import index_cohort
from glioma_lib.pipeline import make_book

DATA = "BraTS (brats-sample)"
CHAPTERS = ("01_data", "02_augmentation", "03_backbones", "04_training", "05_results",
            "06_beyond", "07_sites", "08_predict")

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not SAMPLE.is_dir(), reason="../shared/brats-sample (four real "
                                 "BraTS patients) is not beside this checkout; never copied "
                                 "into the project")]


@pytest.fixture(scope="module")
def real_book(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("real")
    mp = pytest.MonkeyPatch()
    mp.setenv("GLIOMA_RESULTS", str(tmp / "results"))
    mp.setenv("GLIOMA_BUILD", str(tmp / "book"))
    try:
        html = make_book("smoke", str(SAMPLE), log=lambda *_: None)
        yield html, tmp / "results" / "smoke"
    finally:
        mp.undo()


def test_every_chapter_says_the_data_is_brats(real_book):
    html, _ = real_book
    for name in CHAPTERS:
        page = (html / "notebooks" / f"{name}.html").read_text()
        assert DATA in page, f"{name}: no caption names the real data"
        assert "data: synthetic" not in page, name


def test_nothing_trained_on_another_cohort_is_reused(real_book):
    _, results = real_book
    slices = json.loads((results / "slices" / "manifest.json").read_text())
    from glioma_lib.store import fingerprint

    cards = sorted((results / "models").glob("*/*/model.json"))
    assert cards, "no model was trained"
    for card in cards:
        assert json.loads(card.read_text())["data"] == DATA, card
        manifest = json.loads((card.parent / "manifest.json").read_text())
        assert manifest["slices"] == fingerprint(slices), card


@pytest.mark.parametrize("with_seg", [True, False])
def test_predict_grades_each_real_patient(real_book, tmp_path, capsys, with_seg):
    _, results = real_book
    for _, row in index_cohort(SAMPLE).iterrows():
        out = tmp_path / f"{row['patient_id']}-{with_seg}.json"
        argv = ["predict", "--t1", row["t1"], "--t2", row["t2"], "--flair", row["flair"],
                "--models", str(results / "models"), "--out", str(out)]
        if with_seg:
            argv += ["--seg", row["seg"]]
        assert main(argv) == 0, capsys.readouterr().err
        report = json.loads(out.read_text())
        assert report["grade"] in ("HGG", "LGG")
        assert report["slices"]["method"].startswith("segmentation" if with_seg else "automatic")
