"""Real patients graded by a book's networks: every patient of a real BraTS folder graded by
:func:`glioma_lib.predict.grade` — the rule of ``glioma-grade predict`` — once with the BraTS
mask and once with the automatic tumour window.

Two real sets sit beside the project (``../shared``, :data:`REAL_SETS`): the *calibration* set
(``brats-sample``: 2 HGG, 2 LGG; the synthetic generator's knobs were fitted to it) and the
*external* set (``brats-external``: 11 HGG the generator and the networks never saw; nothing
is fitted, tuned or chosen on it). :func:`grade_real` grades both for chapter 7 and
:func:`real_summary` scores them: the external HGG recall and scores, the AUC over all real
patients with a patient-bootstrap interval, always-HGG beside it.

``bench/bench_ablation.py`` grades both sets with the patient-protocol networks trained on each
synthetic generator's cohort (:func:`real_auc`: the numbers it stores); ``bench/bench_sites.py``
grades the calibration set with the cross-validation fold-0 networks
trained on the confounded and on the de-confounded synthetic cohort (sim-to-real: does taking
the site shortcut away help the networks grade real patients?). Four patients make a check,
not an estimate.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd

from .config import SEQUENCES, project_root
from .data.brats import index_cohort
from .data.sites import site_of
from .evaluation.metrics import report
from .evaluation.uncertainty import format_interval, patient_bootstrap
from .predict import grade
from .reporting.section import Section

#: The two ways a patient's tumour window is found: the BraTS mask, or from the images alone.
WINDOWS = ("mask", "automatic")

#: The real BraTS sets beside the project (``../shared/<folder>``) by role: the generator may be
#: fitted to the calibration set; the external set is read only to grade it.
REAL_SETS = {"calibration": "brats-sample", "external": "brats-external"}


#: What the chapter says where neither real set is on this machine.
ABSENT = ("the real BraTS sets (../shared/brats-sample, ../shared/brats-external, or "
          "$GLIOMA_SHARED) are not on this machine")


def _absent_table() -> pd.DataFrame:
    return pd.DataFrame({"result": [f"not graded: {ABSENT}"]},
                        index=pd.Index(["real patients"], name="set"))


def real_sets(shared: str | Path | None = None) -> dict[str, Path]:
    """The real sets present on this machine, by role (absent folders are left out).

    Args:
        shared: the folder that holds them (default ``$GLIOMA_SHARED``, else ``../shared``
            beside the project).

    Example:
        >>> sorted(real_sets())
        ['calibration', 'external']
    """
    root = Path(shared or os.environ.get("GLIOMA_SHARED") or project_root().parent / "shared")
    return {role: root / folder for role, folder in REAL_SETS.items()
            if (root / folder).is_dir()}


def grade_sample(root: str | Path, models: str | Path, protocol: str | None = None
                 ) -> pd.DataFrame:
    """Every patient of a real BraTS folder graded with and without its mask: one row per
    patient and window with the true grade, the verdict, the vote score (the share of
    networks voting HGG), each sequence's HGG probability and the networks' initial weights.

    Args:
        root: a BraTS 2017–2020 folder (e.g. ``../shared/brats-sample``).
        models: a book's models folder (``results/<profile>/models``).
        protocol: the models' sub-folder (``patient``, ``fold0``, …; default: patient,
            else slice).

    Example:
        >>> grade_sample("../shared/brats-sample", "results/default/models", "fold0")
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


def grade_real(sets: dict[str, Path], models: str | Path, protocol: str | None = None
               ) -> pd.DataFrame:
    """Every patient of every real set graded with and without its mask
    (:func:`grade_sample`'s rows plus the set's role, the site and the soft score: the mean
    of the sequences' HGG probabilities).

    Args:
        sets: role → BraTS folder (:func:`real_sets`).
        models: a book's models folder (``results/<profile>/models``).
        protocol: the models' sub-folder (default: that of ``glioma-grade predict``).

    Example:
        >>> rows = grade_real(real_sets(), "results/default/models")
    """
    parts = []
    for role, root in sets.items():
        rows = grade_sample(root, models, protocol)
        rows.insert(0, "set", role)
        rows.insert(2, "site", [site_of(p) or "unknown" for p in rows["patient_id"]])
        parts.append(rows)
    if not parts:
        return pd.DataFrame(columns=["set", "patient_id", "site", "grade", "window"])
    out = pd.concat(parts, ignore_index=True)
    out["score_soft"] = out[[f"p_{s}" for s in SEQUENCES]].mean(axis=1)
    return out


def _auc(part: pd.DataFrame, score: str, n_resamples: int, seed: int) -> pd.Series | None:
    frame = part.assign(label=(part["grade"] == "HGG").astype(int))
    if frame["label"].nunique() < 2:
        return None
    return patient_bootstrap(frame, score, metrics=("auc",), n_resamples=n_resamples,
                             seed=seed).loc["auc"]


def real_auc(rows: pd.DataFrame, n_resamples: int = 1000, seed: int = 0) -> dict[str, dict]:
    """Per window, over all real patients: the soft score's AUC with its 95 % patient-bootstrap
    interval (None where one grade only), the accuracy of the verdicts, the external set's
    HGG recall and the patients per grade: the numbers :func:`real_summary` words, as numbers
    (what ``bench/bench_ablation.py`` stores per generator).

    Args:
        rows: :func:`grade_real`'s table.
        n_resamples: bootstrap resamples.
        seed: the bootstrap's seed.

    Example:
        >>> rows = pd.DataFrame({"set": ["external", "calibration", "calibration"],
        ...     "patient_id": list("abc"), "grade": ["HGG", "HGG", "LGG"], "window": "mask",
        ...     "verdict": ["HGG", "HGG", "LGG"], "score_soft": [0.9, 0.7, 0.2]})
        >>> real_auc(rows, n_resamples=99)["mask"]["auc"]
        1.0
    """
    out = {}
    for window, part in rows.groupby("window", sort=False):
        auc = _auc(part, "score_soft", n_resamples, seed)
        ext = part[part["set"] == "external"]
        truth = part["grade"] == "HGG"
        out[str(window)] = {
            "auc": None if auc is None else float(auc["value"]),
            "auc_low": None if auc is None else float(auc["low"]),
            "auc_high": None if auc is None else float(auc["high"]),
            "accuracy": float((part["verdict"] == part["grade"]).mean()),
            "external_hgg_recall": float((ext["verdict"] == "HGG").mean()) if len(ext) else None,
            "hgg": int(truth.sum()), "lgg": int((~truth).sum())}
    return out


def _auc_text(auc: pd.Series | None) -> str:
    if auc is None:
        return "undefined (one grade only)"
    return format_interval(auc["value"], auc["low"], auc["high"], percent=False)


def real_sentence(auc: pd.Series | None, window: str) -> str:
    """Whether the networks grade real patients above chance, by the analysis plan's rule (the
    soft score's AUC interval lies above 0.5).

    Args:
        auc: the soft score's AUC row (``value``, ``low``, ``high``) or None without LGG.
        window: the tumour window it was measured with.

    Example:
        >>> real_sentence(pd.Series({"value": 0.9, "low": 0.6, "high": 1.0}), "mask")[:40]
        'With the mask, the synthetic-trained net'
    """
    head = f"With the {window}" if window == "mask" else f"With the {window} window"
    if auc is None:
        return f"{head}, no AUC can be computed: the real patients hold one grade only."
    shown = _auc_text(auc)
    if auc["low"] > 0.5:
        return (f"{head}, the synthetic-trained networks grade real patients above chance "
                f"(soft-score AUC {shown}, an interval above 0.5).")
    return (f"{head}, the synthetic-trained networks do not grade real patients above "
            f"chance: the soft-score AUC is {shown}, an interval that includes 0.5.")


def real_summary(rows: pd.DataFrame, n_resamples: int = 1000, seed: int = 0) -> Section:
    """Per window: the external set's HGG recall and soft scores (it has no LGG), and over
    all real patients the accuracy, the always-HGG accuracy and the AUC of the vote share and
    of the soft score with 95 % patient-bootstrap intervals (stratified by grade), plus the
    sentence of :func:`real_sentence` per window.

    Args:
        rows: :func:`grade_real`'s table.
        n_resamples: bootstrap resamples.
        seed: the bootstrap's seed.

    Example:
        >>> rows = pd.DataFrame({"set": ["external"] * 2 + ["calibration"] * 2,
        ...     "patient_id": list("abcd"), "grade": ["HGG", "HGG", "HGG", "LGG"],
        ...     "window": "mask", "verdict": ["HGG", "LGG", "HGG", "LGG"],
        ...     "score_hgg": [1, 1 / 3, 2 / 3, 0], "score_soft": [0.9, 0.4, 0.7, 0.2]})
        >>> real_summary(rows, n_resamples=99).table.loc["mask", "external: HGG recall"]
        '1 of 2'
    """
    if rows.empty:
        return Section({"real_sentence": f"No real patient was graded: {ABSENT}.",
                        "real_sets": "none"}, _absent_table(), rows)
    numbers = real_auc(rows, n_resamples, seed)  # the counts and AUCs, worded here
    out, sentences = {}, []
    for window, part in rows.groupby("window", sort=False):
        n = numbers[str(window)]
        ext = part[part["set"] == "external"]
        scores = ext["score_soft"]
        soft = None if n["auc"] is None else pd.Series(
            {"value": n["auc"], "low": n["auc_low"], "high": n["auc_high"]})
        sentences.append(real_sentence(soft, str(window)))
        out[str(window)] = {
            "external: HGG recall": f"{int((ext['verdict'] == 'HGG').sum())} of {len(ext)}",
            "external: soft score, median [min, max]":
                f"{np.median(scores):.2f} [{scores.min():.2f}, {scores.max():.2f}]"
                if len(ext) else "no external patient",
            "all real: accuracy": f"{n['accuracy']:.1%}",
            "all real: always HGG": f"{n['hgg'] / (n['hgg'] + n['lgg']):.1%}",
            "all real: AUC, vote share": _auc_text(_auc(part, "score_hgg", n_resamples, seed)),
            "all real: AUC, soft score": _auc_text(soft),
            "patients (HGG / LGG)": f"{n['hgg']} / {n['lgg']}"}
    table = pd.DataFrame(out).T
    table.index.name = "tumour window"
    sets = rows.drop_duplicates("patient_id").groupby("set")["patient_id"].count()
    values = {"real_sentence": " ".join(sentences) or "No real patient was graded.",
              "real_sets": ", ".join(f"{n} {role}" for role, n in sets.items()) or "none"}
    return Section(values, table, rows)


def real_patient_table(rows: pd.DataFrame) -> pd.DataFrame:
    """One row per real patient: its set, site and grade, and per window the verdict with the
    soft score and the sequences voting HGG.

    Args:
        rows: :func:`grade_real`'s table.

    Example:
        >>> rows = pd.DataFrame({"set": ["external"] * 2, "patient_id": ["a", "a"],
        ...     "site": "CBICA", "grade": "HGG", "window": ["mask", "automatic"],
        ...     "verdict": ["HGG", "LGG"], "score_hgg": [1.0, 1 / 3], "score_soft": [0.8, 0.4]})
        >>> real_patient_table(rows).loc["a", "mask"]
        'HGG (0.80; 3 of 3)'
    """
    if rows.empty:
        return _absent_table()
    n = len(SEQUENCES)
    cells = rows.assign(cell=[
        f"{v} ({s:.2f}; {round(h * n)} of {n})" for v, s, h in
        zip(rows["verdict"], rows["score_soft"], rows["score_hgg"], strict=True)])
    wide = cells.pivot(index="patient_id", columns="window", values="cell")
    facts = rows.drop_duplicates("patient_id").set_index("patient_id")[["set", "site", "grade"]]
    table = facts.join(wide[[w for w in WINDOWS if w in wide.columns]])
    return table.sort_values(["set", "grade", "site"], kind="stable")
