"""glioma_lib.reporting.bench_cv: the class-weighted variant and the sim-to-real check, read
from their bench files."""

from __future__ import annotations

import json

from glioma_lib.data.synth import GENERATOR_VERSION
from glioma_lib.evaluation.operating import CHOSEN, FIXED
from glioma_lib.reporting.bench_cv import cv_balance, sim_to_real


def _operating(spec: float) -> list[dict]:
    rows = []
    for rule in (FIXED, CHOSEN):
        for model in ("FLAIR", "soft vote", "vote"):
            for metric, value in (("auc", 0.8), ("accuracy", 0.7), ("sensitivity", 0.9),
                                  ("specificity", spec if rule == CHOSEN else 0.0)):
                rows.append({"metric": metric, "value": value, "low": value - 0.1,
                             "high": value + 0.05, "model": model, "rule": rule})
    return rows


def test_cv_balance_sets_the_variant_beside_the_paper_loss(tmp_path):
    missing = cv_balance(tmp_path / "none.json")
    assert "not measured" in missing.table.iloc[0, 0]
    assert "Not measured yet" in missing.values["balance_text"]
    arms = {"unweighted (the paper's)": {"always_hgg_accuracy": 0.773,
                                         "operating": _operating(0.30)},
            "class-weighted (balanced)": {"always_hgg_accuracy": 0.773,
                                          "operating": _operating(0.60)}}
    (tmp_path / "b.json").write_text(json.dumps({
        "profile": "default", "recipe": "r", "machine": "m", "commit": "c", "arms": arms,
        "generator_version": GENERATOR_VERSION}))
    section = cv_balance(tmp_path / "b.json")
    table = section.table
    assert len(table) == 2 * 2 * 2  # arms × rules × (soft vote, vote): no single sequences
    assert set(table.index.get_level_values("model")) == {"soft vote", "vote"}
    assert "always HGG" not in table  # the cohort's baseline, said once in the caption
    assert section.values["balance_baseline"] == "always answering HGG is right for 77.3% of " \
                                                 "patients"
    text = section.values["balance_text"].replace("\xa0", " ")
    assert "0.5 threshold the majority vote's specificity is 0.0 % [-10.0, 5.0] with" in text
    assert "validation it is 30.0 % [20.0, 35.0] and 60.0 % [50.0, 65.0]" in text
    assert "bench/bench_cv_balance.py, default profile" in section.values["balance_provenance"]


def _patients(verdicts: list[str]) -> list[dict]:
    rows = []
    for (pid, grade), verdict in zip((("A", "HGG"), ("B", "HGG"), ("C", "LGG"), ("D", "LGG")),
                                     verdicts, strict=True):
        for window in ("mask", "automatic"):
            rows.append({"patient_id": pid, "grade": grade, "window": window,
                         "verdict": verdict, "score_hgg": 1.0 if verdict == "HGG" else 0.0})
    return rows


def _summary(rows: list[dict]) -> dict:
    right = sum(r["verdict"] == r["grade"] for r in rows if r["window"] == "mask")
    part = {"accuracy": right / 4, "auc": 0.5, "patients": 4}
    return {"mask": part, "automatic": part}


def test_sim_to_real_compares_the_two_cohorts_on_the_real_patients(tmp_path):
    assert "Not measured" in sim_to_real(tmp_path / "none.json").values["sim_to_real_text"]
    (tmp_path / "old.json").write_text(json.dumps({"cohorts": {"de-confounded": {}}}))
    assert "version not recorded" in sim_to_real(tmp_path / "old.json").table.iloc[0, 0]
    (tmp_path / "old.json").write_text(json.dumps({"cohorts": {"de-confounded": {}},
                                                   "generator_version": GENERATOR_VERSION}))
    assert "no sim-to-real rows" in sim_to_real(tmp_path / "old.json").table.iloc[0, 0]
    skipped = {"cohorts": {"de-confounded": {"sim_to_real": {"skipped": "absent: sample"}}},
               "generator_version": GENERATOR_VERSION}
    (tmp_path / "s.json").write_text(json.dumps(skipped))
    assert "absent: sample" in sim_to_real(tmp_path / "s.json").values["sim_to_real_text"]
    confounded = _patients(["HGG", "HGG", "HGG", "HGG"])
    decon = _patients(["HGG", "HGG", "LGG", "HGG"])
    cohorts = {name: {"sim_to_real": {"patients": rows, "summary": _summary(rows)}}
               for name, rows in (("as in BraTS 2019", confounded), ("de-confounded", decon))}
    (tmp_path / "r.json").write_text(json.dumps({"cohorts": cohorts,
                                                 "generator_version": GENERATOR_VERSION}))
    section = sim_to_real(tmp_path / "r.json")
    assert len(section.table) == 4  # two cohorts × two windows
    assert section.table.loc[("de-confounded", "mask"), "C (LGG)"] == "LGG (0.00)"
    assert section.table.loc[("as in BraTS 2019", "mask"), "accuracy"] == "50%"
    text = section.values["sim_to_real_text"]
    assert "sites as in BraTS 2019 grade 2 of the 4" in text
    assert "de-confounded cohort 3" in text
    assert "Always answering HGG grades 2 of them correctly" in text


def _automatic(tmp_path, recipe, low=-0.2, high=-0.01):
    import json

    path = tmp_path / "cv_automatic.json"
    summary = {w: {"patients": 4, "soft_auc": a, "soft_auc_low": a - 0.1, "soft_auc_high": 1.0,
                   "vote_accuracy": 0.75, "always_hgg": 0.5}
               for w, a in (("mask", 0.9), ("automatic", 0.8))}
    path.write_text(json.dumps({"commit": "abc1234", "clean": True, "recipe": recipe,
                                "generator_version": GENERATOR_VERSION, "summary": summary,
                                "failed": [{"patient_id": "x"}],
                                "auc_difference_automatic_minus_mask": {
                                    "difference": -0.1, "low": low, "high": high,
                                    "n_patients": 4}}))
    return path


def test_the_no_mask_row_stands_beside_the_mask_row_with_a_paired_verdict(tmp_path):
    from glioma_lib.reporting.bench_cv import WINDOW_ROWS, cv_automatic

    section = cv_automatic(_automatic(tmp_path, "r"), "r")
    assert list(section.table.index) == [WINDOW_ROWS["mask"], WINDOW_ROWS["automatic"]]
    assert section.table.iloc[1, 0].startswith("0.800")
    text = section.values["nomask_text"]
    assert "excludes 0" in text and "4 patients" in text and "1 patient(s)" in text
    same = cv_automatic(_automatic(tmp_path, "r", high=0.05), "r").values["nomask_text"]
    assert "cannot tell the two windows apart" in same
    refused = cv_automatic(_automatic(tmp_path, "other"), "r")
    assert refused.values["nomask_text"].startswith("⚠ Warning") and "0.800" not in str(
        refused.table)
    assert "not measured" in cv_automatic(tmp_path / "none.json", "r").values["nomask_text"].lower()
