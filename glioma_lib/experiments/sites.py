"""The site experiments of chapter 7, scored per patient with bootstrap intervals
(:mod:`glioma_lib.training.sites` trains them; :mod:`glioma_lib.reporting.sites` says what
they show)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..data.stages import Data
from ..evaluation.metrics import report
from ..evaluation.tables import metric_table
from ..evaluation.uncertainty import paired_difference, row_interval
from ..evaluation.vote import patient_level
from ..training.recipe import row_sites, site_codes
from ..training.sites import (
    BLANKED,
    LEAVE_SITE_OUT,
    REFERENCE,
    SEQUENCE,
    SITE_CLASSIFIER,
    site_runs,
)


def site_classifier_scores(frame: pd.DataFrame, classes: list[str], n_resamples: int = 1000,
                           seed: int = 0) -> dict[str, float]:
    """Per patient (mean slice probabilities): top-1 accuracy of the site classifier, its
    macro one-vs-rest AUC over the sites present in the test set (each with a patient
    bootstrap 95 % interval), and chance (the share of the most common test site).

    Args:
        frame: test predictions with ``patient_id``, ``label`` (site code) and
            ``p_flair_<code>`` columns (two sites: the binary network's ``p_flair``).
        classes: site name of each code.
        n_resamples, seed: the patient bootstrap.

    Example:
        >>> data = gl.prepare_data(gl.get_profile("smoke"))
        >>> _, classes = gl.training.recipe.site_codes(data)
        >>> run = gl.run_recipe(data, "slice")
        >>> site_classifier_scores(run.predictions, classes)
    """
    cols = [f"p_{SEQUENCE}_{k}" for k in range(len(classes))]
    if len(classes) <= 2 and f"p_{SEQUENCE}" in frame:  # two sites: a binary network
        frame = frame.assign(**{cols[0]: 1 - frame[f"p_{SEQUENCE}"]}, **(
            {cols[1]: frame[f"p_{SEQUENCE}"]} if len(classes) == 2 else {}))
    patients = frame.groupby("patient_id")[[*cols, "label"]].mean()
    y = patients["label"].to_numpy().astype(int)
    prob = patients[cols].to_numpy()

    def accuracy(idx) -> float:
        return float(np.mean(prob[idx].argmax(1) == y[idx]))

    def macro_auc(idx) -> float:
        yy, pp = y[idx], prob[idx]
        aucs = [report(yy == k, pp[:, k])["auc"] for k in np.unique(yy)
                if 0 < np.sum(yy == k) < len(yy)]
        return float(np.mean(aucs)) if aucs else float("nan")

    out = {"accuracy": accuracy(np.arange(len(y))), "auc": macro_auc(np.arange(len(y))),
           "chance": float(np.bincount(y).max() / len(y)), "n_sites": int(len(np.unique(y))),
           "n_patients": int(len(y))}
    for name, stat in (("accuracy", accuracy), ("auc", macro_auc)):
        out[f"{name}_low"], out[f"{name}_high"] = row_interval(stat, len(y), n_resamples, seed)
    return out


def site_experiments(data: Data, n_resamples: int = 1000, seed: int = 0) -> pd.DataFrame:
    """The four site experiments (module docstring) on ``data``: one row each with the test
    patients and sites, per-patient AUC and accuracy with patient-bootstrap 95 % intervals,
    and what chance gives (0.5 AUC for grading; the most common site's share for the site
    classifier). An experiment the cohort cannot hold (e.g. no group of whole sites with both
    grades) is a row saying why, with no numbers.

    Args:
        data: the prepared data stages.
        n_resamples, seed: the patient bootstrap.

    Example:
        >>> site_experiments(prepare_data(get_profile("smoke")))
    """
    site = row_sites(data)
    col = f"p_{SEQUENCE}"
    rows = []
    runs = site_runs(data)
    for name in (REFERENCE, LEAVE_SITE_OUT, BLANKED):
        run = runs.get(name)
        if isinstance(run, str):
            rows.append({"experiment": name, "task": "grade", "note": run})
            continue
        patients = patient_level(run.predictions, [col])
        table = metric_table(patients, {name: (col, None)}, n_resamples, seed)
        test = run.predictions
        rows.append({"experiment": name, "task": "grade",
                     "test patients": test["patient_id"].nunique(),
                     "test sites": len(set(site[test["row"].to_numpy()])),
                     **_cells(table.set_index("metric")), "chance AUC": 0.5})
    _, classes = site_codes(data)
    s = site_classifier_scores(runs[SITE_CLASSIFIER].predictions, classes, n_resamples, seed)
    rows.append({"experiment": SITE_CLASSIFIER, "task": f"site (1 of {len(classes)})",
                 "test patients": s["n_patients"], "test sites": s["n_sites"],
                 "auc": s["auc"], "auc_low": s["auc_low"], "auc_high": s["auc_high"],
                 "accuracy": s["accuracy"], "accuracy_low": s["accuracy_low"],
                 "accuracy_high": s["accuracy_high"], "chance accuracy": s["chance"]})
    return pd.DataFrame(rows).set_index("experiment")


#: The paired comparisons of :func:`site_differences`: experiment → the reference it is set
#: against (on the patients both test sets hold).
PAIRED = {BLANKED: REFERENCE, LEAVE_SITE_OUT: REFERENCE}


def site_differences(data: Data, n_resamples: int = 1000, seed: int = 0) -> pd.DataFrame:
    """Each site experiment against the random patient split, as a **paired** difference of
    per-patient AUC (FLAIR, mean slice probability) with a patient-bootstrap 95 % interval on
    the patients both test sets hold (all of fold 0's for the tumour-blanked run, the test
    sites' fold-0 patients for leave-site-out), and the site classifier's accuracy minus
    chance (the most common test site's share) with its interval. A comparison the
    patients cannot support (one grade only) is a row saying why.

    Args:
        data: the prepared data stages.
        n_resamples, seed: the patient bootstrap.

    Example:
        >>> site_differences(gl.prepare_data(gl.get_profile("smoke")), n_resamples=200)
    """
    col = f"p_{SEQUENCE}"
    runs = site_runs(data)
    rows = []
    for name, against in PAIRED.items():
        run, ref = runs.get(name), runs.get(against)
        row = {"comparison": f"{name} − {against}", "metric": "AUC"}
        if isinstance(run, str) or isinstance(ref, str) or run is None or ref is None:
            rows.append({**row, "note": run if isinstance(run, str) else "not run"})
            continue
        d = paired_difference(patient_level(run.predictions, [col]),
                              patient_level(ref.predictions, [col]), col,
                              n_resamples=n_resamples, seed=seed)
        if d is None:
            rows.append({**row, "note": "the patients both test sets hold have one grade"})
            continue
        rows.append({**row, "patients": d["n_patients"], "difference": d["difference"],
                     "low": d["low"], "high": d["high"]})
    s = site_classifier_scores(runs[SITE_CLASSIFIER].predictions, site_codes(data)[1],
                               n_resamples, seed)
    rows.append({"comparison": f"{SITE_CLASSIFIER} − chance", "metric": "accuracy",
                 "patients": s["n_patients"], "difference": s["accuracy"] - s["chance"],
                 "low": s["accuracy_low"] - s["chance"],
                 "high": s["accuracy_high"] - s["chance"]})
    return pd.DataFrame(rows).set_index("comparison")


def _cells(table: pd.DataFrame) -> dict[str, float]:
    return {f"{m}{suffix}": float(table.loc[m, col]) for m in ("auc", "accuracy")
            for suffix, col in (("", "value"), ("_low", "low"), ("_high", "high"))}
