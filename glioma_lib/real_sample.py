"""Real patients graded by a book's networks: every patient of a real BraTS folder (the four of
``../shared/brats-sample``) graded by :func:`glioma_lib.predict.grade` — the rule of
``glioma-grade predict`` — once with the BraTS mask and once with the automatic tumour window.

``bench/bench_real_patients.py`` grades the sample with the main patient-protocol networks of
the last ``make book``; ``bench/bench_sites.py`` with the cross-validation fold-0 networks
trained on the confounded and on the de-confounded synthetic cohort (sim-to-real: does taking
the site shortcut away help the networks grade real patients?). Four patients make a check,
not an estimate.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from .config import SEQUENCES
from .data.brats import index_cohort
from .evaluation.metrics import report
from .predict import grade

#: The two ways a patient's tumour window is found: the BraTS mask, or from the images alone.
WINDOWS = ("mask", "automatic")


def grade_sample(root: str | Path, models: str | Path, protocol: str | None = None
                 ) -> pd.DataFrame:
    """Every patient of a real BraTS folder graded with and without its mask: one row per
    patient and window with the true grade, the verdict, the vote score (the share of
    networks voting HGG), each sequence's HGG probability and the networks' initial weights.

    Args:
        root: a BraTS 2017–2020 folder (e.g. ``../shared/brats-sample``).
        models: a book's models folder (``results/<profile>/models``).
        protocol: the models' sub-folder (``patient``, ``cv-fold0``, …; default: patient,
            else slice).

    Example:
        >>> grade_sample("../shared/brats-sample", "results/default/models", "cv-fold0")
    """
    rows = []
    for _, patient in index_cohort(root).iterrows():
        for window in WINDOWS:
            files = {s: patient[s] for s in SEQUENCES}
            if window == "mask":
                files["seg"] = patient["seg"]
            verdict, _ = grade(files, models, protocol)
            rows.append({"patient_id": patient["patient_id"], "grade": patient["grade"],
                         "window": window, "verdict": verdict["grade"],
                         "score_hgg": verdict["score_hgg"],
                         **{f"p_{s}": v["probability_hgg"]
                            for s, v in verdict["sequences"].items()},
                         "weights": verdict["models"]["flair"]["weights"]})
    return pd.DataFrame(rows)


def sample_summary(rows: pd.DataFrame) -> dict[str, dict]:
    """Per window: the accuracy of the verdicts, the AUC of the vote score where both grades
    are present (else None) and the number of patients.

    Args:
        rows: :func:`grade_sample`'s table.

    Example:
        >>> rows = pd.DataFrame({"window": ["mask"] * 2, "grade": ["HGG", "LGG"],
        ...                      "verdict": ["HGG", "HGG"], "score_hgg": [1.0, 2 / 3]})
        >>> sample_summary(rows)["mask"]["accuracy"]
        0.5
    """
    out = {}
    for window, part in rows.groupby("window", sort=False):
        truth = (part["grade"] == "HGG").to_numpy()
        out[str(window)] = {
            "accuracy": float((part["verdict"] == part["grade"]).mean()),
            "auc": report(truth, part["score_hgg"])["auc"] if len(set(truth)) == 2 else None,
            "patients": len(part)}
    return out
