"""Tests of glioma_lib.reporting.bench_options: the recipe options ranked on validation
patients, and whether the profile's recipe is the one they choose."""

import pytest

from glioma_lib.data.synth import GENERATOR_VERSION


def test_cv_options_table_projects_the_book_and_marks_reference_and_chosen(tmp_path):
    import json

    from glioma_lib.reporting.bench_options import cv_options_table, validation_choice

    assert "not measured" in cv_options_table(tmp_path / "none.json").iloc[0, 0]
    rows = [{"slices": s, "epochs": 3, "fold": f, "test_patient_auc": auc, "seconds": sec,
             "val_patient_auc": auc - 0.05}
            for s, sec, aucs in (("800", 20.0, (0.7, 0.8)), ("all", 120.0, (0.9, 0.9)))
            for f, auc in zip((0, 1), aucs, strict=True)]
    (tmp_path / "o.json").write_text(json.dumps({
        "rows": rows, "current": {"slices": "800", "epochs": 3}, "cv_family_networks": 18,
        "probe_img_s": 200.0, "reference_probe_img_s": 100.0, "reference_book_s": 2160.0,
        "budget_s": 2700, "generator_version": GENERATOR_VERSION}))
    table = cv_options_table(tmp_path / "o.json")
    assert table.loc[("800", 3), "recipe"] == "reference, chosen"
    assert table.loc[("800", 3), "fits 45 min"] == "yes"
    moved = cv_options_table(tmp_path / "o.json", chosen=("all", 3))["recipe"]
    assert moved[("800", 3)] == "reference" and moved[("all", 3)] == "chosen"
    assert table.loc[("800", 3), "test AUC (not used to choose)"] == pytest.approx(0.75)
    assert list(table.columns[:2]) == ["validation AUC (ranks)", "test AUC (not used to choose)"]
    # "all" scores higher on validation but does not fit: the validation choice is 800
    assert validation_choice(table) == ("800", 3)
    # 100 s more per network here is 200 s on the reference machine, × 18 networks = 60 min
    assert table.loc[("all", 3), "book (min, AVX2 fp32)"] == pytest.approx(36 + 60)
    assert table.loc[("all", 3), "fits 45 min"] == "no"
    from glioma_lib.reporting.bench_options import choice_text

    assert choice_text(table).startswith("The default profile trains the option the "
                                         "validation patients choose")
    assert "not among the options measured" in choice_text(
        cv_options_table(tmp_path / "o.json", chosen=("200", 9)))
    other = table.copy()
    other.loc[("all", 3), "fits 45 min"] = "yes"  # now the better one fits: not the profile's
    text = choice_text(other)
    assert text.startswith("⚠ The validation patients choose all slices × 3 epochs")
    assert ("the default profile trains 800 slices × 3 epochs (validation AUC 0.700, 20 s per "
            "network here)") in text
    older = json.loads((tmp_path / "o.json").read_text()) | {
        "generator_version": GENERATOR_VERSION - 1}
    (tmp_path / "old.json").write_text(json.dumps(older))
    refused = cv_options_table(tmp_path / "old.json").iloc[0, 0]
    assert refused.startswith("⚠ Warning: old.json is not quoted") and "generator" in refused
