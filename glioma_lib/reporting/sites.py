"""The site experiments for the reader: their table, and what they show in sentences
computed from the numbers (:func:`glioma_lib.experiments.sites.site_experiments`)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..data.sites import BLANKED, LEAVE_SITE_OUT, REFERENCE, SITE_CLASSIFIER
from ..evaluation.uncertainty import format_interval


def site_table(results: pd.DataFrame, cohort: str | None = None) -> pd.DataFrame:
    """:func:`site_experiments` for the reader: AUC and accuracy as ``value [low, high]``.

    Args:
        results: :func:`site_experiments` output (or several, concatenated with a
            ``cohort`` column).
        cohort: a name for the cohort column (e.g. ``"confounded"``), or None.

    Example:
        >>> data = gl.prepare_data(gl.get_profile("smoke"))
        >>> site_table(gl.experiments.sites.site_experiments(data), "sites as in BraTS 2019")
    """
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
        >>> data = gl.prepare_data(gl.get_profile("smoke"))
        >>> site_conclusion(gl.experiments.sites.site_experiments(data))
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
        >>> bench_rows, _ = gl.bench.site_results("bench/results/sites.json")
        >>> data = gl.prepare_data(gl.get_profile("smoke"))
        >>> site_contrast(gl.experiments.sites.site_experiments(data), bench_rows)
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
