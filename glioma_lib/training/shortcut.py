"""Is the network reading the tumour or the hospital? The site experiments of chapter 7.

All on FLAIR under the cross-validation recipe (:func:`.crossval.cv_recipe`), so they cost the
same and compare with the cross-validation's fold 0:

* **random patient split** — fold 0 of the patient-level cross-validation (the reference);
* **leave-site-out** — test on whole sites never seen in training
  (:func:`glioma_lib.data.splits.leave_site_out`);
* **tumour blanked** — fold 0 again, on slices whose dilated tumour is set to 0
  (:func:`glioma_lib.data.slices.blank_tumour`): grading well above chance without the
  tumour means the network reads something else, e.g. the site's signature;
* **site classifier** — fold 0's network trained to name the site instead of the grade.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from scipy.stats import DegenerateDataWarning, bootstrap

from ..data.stages import Data
from ..evaluation.tables import metric_table
from ..evaluation.vote import patient_level
from .recipe import (  # noqa: F401 (row_sites re-exported)
    book_recipes,
    cv_recipe_for,
    leave_site_out_split,
    row_sites,
    run_recipe,
    site_codes,
)

SEQUENCE = "flair"
REFERENCE = "random patient split (CV fold 0)"
LEAVE_SITE_OUT = "leave-site-out"
BLANKED = "tumour blanked (CV fold 0)"
SITE_CLASSIFIER = "site classifier (CV fold 0)"


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
        from sklearn.metrics import roc_auc_score

        yy, pp = y[idx], prob[idx]
        aucs = [roc_auc_score(yy == k, pp[:, k]) for k in np.unique(yy) if 0 < np.sum(yy == k)
                < len(yy)]
        return float(np.mean(aucs)) if aucs else float("nan")

    out = {"accuracy": accuracy(np.arange(len(y))), "auc": macro_auc(np.arange(len(y))),
           "chance": float(np.bincount(y).max() / len(y)), "n_sites": int(len(np.unique(y))),
           "n_patients": int(len(y))}
    for name, stat in (("accuracy", accuracy), ("auc", macro_auc)):
        with warnings.catch_warnings():  # a resample with one site has no AUC: NaN interval
            warnings.simplefilter("ignore", DegenerateDataWarning)
            res = bootstrap((np.arange(len(y)),), lambda i, f=stat: f(i.astype(int)),
                            n_resamples=n_resamples, vectorized=False, method="percentile",
                            rng=np.random.default_rng(seed))
        out[f"{name}_low"] = float(res.confidence_interval.low)
        out[f"{name}_high"] = float(res.confidence_interval.high)
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
    p, recipes = data.profile, book_recipes(data)
    site = row_sites(data)
    col = f"p_{SEQUENCE}"
    rows = []

    def grading(name: str, run) -> None:
        patients = patient_level(run.predictions, [col])
        table = metric_table(patients, {name: (col, None)}, n_resamples, seed)
        test = run.predictions
        rows.append({"experiment": name, "task": "grade",
                     "test patients": test["patient_id"].nunique(),
                     "test sites": len(set(site[test["row"].to_numpy()])),
                     **_cells(table.set_index("metric")), "chance AUC": 0.5})

    grading(REFERENCE, run_recipe(data, cv_recipe_for(p, "fold0", (SEQUENCE,))))
    if "leave-site-out" in recipes:
        grading(LEAVE_SITE_OUT, run_recipe(data, recipes["leave-site-out"]))
    else:
        try:
            leave_site_out_split(data)
        except ValueError as err:
            rows.append({"experiment": LEAVE_SITE_OUT, "task": "grade", "note": str(err)})
    grading(BLANKED, run_recipe(data, recipes["blanked"]))
    _, classes = site_codes(data)
    run = run_recipe(data, recipes["site-classifier"])
    s = site_classifier_scores(run.predictions, classes, n_resamples, seed)
    rows.append({"experiment": SITE_CLASSIFIER, "task": f"site (1 of {len(classes)})",
                 "test patients": s["n_patients"], "test sites": s["n_sites"],
                 "auc": s["auc"], "auc_low": s["auc_low"], "auc_high": s["auc_high"],
                 "accuracy": s["accuracy"], "accuracy_low": s["accuracy_low"],
                 "accuracy_high": s["accuracy_high"], "chance accuracy": s["chance"]})
    return pd.DataFrame(rows).set_index("experiment")


def _cells(table: pd.DataFrame) -> dict[str, float]:
    return {f"{m}{suffix}": float(table.loc[m, col]) for m in ("auc", "accuracy")
            for suffix, col in (("", "value"), ("_low", "low"), ("_high", "high"))}


def site_table(results: pd.DataFrame, cohort: str | None = None) -> pd.DataFrame:
    """:func:`site_experiments` for the reader: AUC and accuracy as ``value [low, high]``.

    Args:
        results: :func:`site_experiments` output (or several, concatenated with a
            ``cohort`` column).
        cohort: a name for the cohort column (e.g. ``"confounded"``), or None.

    Example:
        >>> site_table(site_experiments(data), "sites as in BraTS 2019")
    """
    from ..evaluation.uncertainty import format_interval

    out = pd.DataFrame(index=results.index)
    if cohort is not None:
        out.insert(0, "cohort", cohort)
    for column in ("task", "test patients", "test sites"):
        out[column] = results.get(column)
    for metric in ("auc", "accuracy"):
        out[metric.upper() if metric == "auc" else metric] = [
            format_interval(r[metric], r[f"{metric}_low"], r[f"{metric}_high"],
                            percent=metric == "accuracy")
            if pd.notna(r.get(metric)) else "—" for _, r in results.iterrows()]
    out["chance"] = [f"AUC {r['chance AUC']:.2f}" if pd.notna(r.get("chance AUC"))
                     else f"accuracy {r['chance accuracy']:.0%}"
                     if pd.notna(r.get("chance accuracy")) else "—"
                     for _, r in results.iterrows()]
    if "note" in results:
        out["note"] = results["note"].fillna("")
    return out


def site_conclusion(results: pd.DataFrame) -> str:
    """Two or three sentences on what the site experiments say, computed from the numbers:
    whether leaving sites out and blanking the tumour keep grading above chance (lower
    interval bound > 0.5) and how far they fall from the reference, whether the threshold
    survives unseen sites, and whether the site can be told above chance (lower interval
    bound of the accuracy above the most common site's share).

    Args:
        results: :func:`site_experiments` output.

    Example:
        >>> site_conclusion(site_experiments(data))
    """
    def get(name: str, column: str) -> float:
        ok = name in results.index and column in results and pd.notna(results.loc[name, column])
        return float(results.loc[name, column]) if ok else float("nan")

    def above_chance(name: str) -> bool:
        return get(name, "auc_low") > 0.5

    ref, parts = get(REFERENCE, "auc"), []
    for name, what in ((LEAVE_SITE_OUT, "on sites never seen in training"),
                       (BLANKED, "with the tumour blanked")):
        if np.isnan(get(name, "auc")):
            continue
        verdict = "still above chance" if above_chance(name) else "not distinguishable from chance"
        parts.append(f"{what} the AUC is {get(name, 'auc'):.2f} against {ref:.2f} on a random "
                     f"patient split ({verdict})")
    text = "Graded " + "; ".join(parts) + "." if parts else ""
    lso_acc, ref_acc = get(LEAVE_SITE_OUT, "accuracy"), get(REFERENCE, "accuracy")
    if lso_acc < ref_acc - 0.1:
        text += (f" On unseen sites the accuracy at the 0.5 threshold falls to {lso_acc:.0%} "
                 f"(from {ref_acc:.0%}): the ranking transfers better than the threshold.")
    told = get(SITE_CLASSIFIER, "accuracy_low") > get(SITE_CLASSIFIER, "chance accuracy")
    if SITE_CLASSIFIER in results.index:
        text += (f" The same network names the site of "
                 f"{get(SITE_CLASSIFIER, 'accuracy'):.0%} of the test patients (chance "
                 f"{get(SITE_CLASSIFIER, 'chance accuracy'):.0%}: "
                 f"{'above' if told else 'not above'} chance).")
    if above_chance(BLANKED):
        text += (" Without the tumour's intensities it still grades, so something else carries "
                 "the grade: " + ("the site's signature, which this network can tell, is a "
                                  "candidate" if told else
                                  "with the site not recognisable by this network, the likelier "
                                  "cue is what blanking leaves, the size and shape of the "
                                  "blanked region and the anatomy around it") + ".")
    return text.strip()


def site_contrast(confounded: pd.DataFrame, deconfounded: pd.DataFrame) -> str:
    """The sentence that sets the two cohorts side by side, computed from their rows: how
    much of the tumour-blanked grading exists only where the sites are confounded with the
    grade (the site signature's share), with both intervals.

    Args:
        confounded: :func:`site_experiments` on the cohort with sites as in BraTS 2019.
        deconfounded: the same on the cohort whose sites are independent of the grade.

    Example:
        >>> site_contrast(site_experiments(data), bench_rows)
    """
    def cell(rows: pd.DataFrame) -> str:
        r = rows.loc[BLANKED]
        return f"{r['auc']:.2f} [{r['auc_low']:.2f}, {r['auc_high']:.2f}]"

    if BLANKED not in confounded.index or BLANKED not in deconfounded.index:
        return "The two cohorts cannot be compared: a tumour-blanked row is missing."
    a, b = confounded.loc[BLANKED], deconfounded.loc[BLANKED]
    overlap = a["auc_low"] <= b["auc_high"] and b["auc_low"] <= a["auc_high"]
    text = (f"With the tumour blanked, the network grades with an AUC of {cell(confounded)} "
            f"where the sites are confounded with the grade and {cell(deconfounded)} where they "
            f"are not")
    if a["auc"] > b["auc"]:
        text += (f": the difference, {a['auc'] - b['auc']:.2f}, is what the sites' signatures "
                 "carry about the grade")
        if a["auc_low"] > 0.5 >= b["auc_low"]:
            text += (" (blanking leaves the same kind of hole in both cohorts, so the hole's size "
                     "and shape cannot explain it)")
    text += (" (the intervals overlap, so this cohort size cannot pin it down)." if overlap
             else ".")
    return text
