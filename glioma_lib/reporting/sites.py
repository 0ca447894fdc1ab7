"""The site experiments for the reader: their table, and what they show in sentences
computed from the numbers (:func:`glioma_lib.experiments.sites.site_experiments`)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..data.sites import BLANKED, LEAVE_SITE_OUT, REFERENCE, SITE_CLASSIFIER
from ..evaluation.uncertainty import format_interval


def site_table(results: pd.DataFrame, cohort: str | None = None) -> pd.DataFrame:
    """:func:`site_experiments` for the reader: AUC and accuracy as ``value [low, high]``,
    the site classifier (the positive control) first.

    Args:
        results: :func:`site_experiments` output (or several, concatenated with a
            ``cohort`` column).
        cohort: a name for the cohort column (e.g. ``"confounded"``), or None.

    Example:
        >>> data = gl.prepare_data(gl.get_profile("smoke"))
        >>> site_table(gl.experiments.sites.site_experiments(data), "sites as in BraTS 2019")
    """
    # the positive control first: whether the sites can be told apart at all
    results = results.loc[sorted(results.index, key=lambda name: name != SITE_CLASSIFIER)]
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


#: How each paired comparison of ``site_differences`` is worded: the change, and the two
#: conclusions its interval can support (or neither).
_DIFFERENCE_WORDS = {
    BLANKED: ("Blanking the tumour changes the AUC by {d} on the same {n} test patients",
              "grading without the tumour is better", "grading without the tumour is worse"),
    LEAVE_SITE_OUT: ("Testing on sites never seen in training changes the AUC by {d} on the "
                     "{n} patients both test sets hold",
                     "unseen sites are graded better", "unseen sites are graded worse"),
}


def _signed(diff: float, low: float, high: float, percent: bool = False) -> str:
    if percent:
        return f"{100 * diff:+.0f} points [{100 * low:+.0f}, {100 * high:+.0f}]"
    return f"{diff:+.2f} [{low:+.2f}, {high:+.2f}]"


def positive_control(differences: pd.DataFrame) -> str:
    """The positive control in one sentence: whether the network can tell the sites apart
    (the site classifier's accuracy minus chance, with its interval) and what that means for
    the experiments that follow.

    Args:
        differences: :func:`~glioma_lib.experiments.sites.site_differences` output.

    Example:
        >>> d = pd.DataFrame({"difference": [0.3], "low": [0.2], "high": [0.4],
        ...                   "patients": [50]}, index=[f"{SITE_CLASSIFIER} − chance"])
        >>> positive_control(d)[:40]
        'Positive control: the network names the '
    """
    key = f"{SITE_CLASSIFIER} − chance"
    if key not in differences.index:
        return "Positive control: no site classifier was run."
    r = differences.loc[key]
    told = r["low"] > 0
    return (f"Positive control: the network names the site of its test patients "
            f"{_signed(r['difference'], r['low'], r['high'], percent=True)} above chance (the "
            f"most common test site's share), so the sites "
            + ("are visible to it and a site shortcut can exist; the experiments below test "
               "whether grading leans on it." if told else
               "are not shown to be visible to it: the experiments below cannot show a site "
               "shortcut on this cohort."))


def difference_sentences(differences: pd.DataFrame) -> str:
    """The paired comparisons of the site experiments in sentences: each change of AUC with
    its patient-bootstrap interval and the conclusion the interval supports (none where it
    holds zero).

    Args:
        differences: :func:`~glioma_lib.experiments.sites.site_differences` output.

    Example:
        >>> d = pd.DataFrame({"difference": [-0.1], "low": [-0.2], "high": [0.05],
        ...                   "patients": [60]}, index=[f"{BLANKED} − {REFERENCE}"])
        >>> difference_sentences(d).endswith("cannot tell the two apart.")
        True
    """
    parts = []
    for name, (change, up, down) in _DIFFERENCE_WORDS.items():
        key = f"{name} − {REFERENCE}"
        if key not in differences.index:
            continue
        r = differences.loc[key]
        if pd.isna(r.get("difference")):
            parts.append(f"{name}: {r.get('note', 'not compared')}.")
            continue
        verdict = (up if r["low"] > 0 else down if r["high"] < 0 else
                   "these patients cannot tell the two apart")
        parts.append(change.format(d=_signed(r["difference"], r["low"], r["high"]),
                                   n=int(r["patients"])) + f": {verdict}.")
    return " ".join(parts)


def site_conclusion(results: pd.DataFrame, differences: pd.DataFrame | None = None) -> str:
    """What the site experiments say, computed from the numbers: the positive control first
    (whether the site can be told above chance), then, with ``differences``, each experiment
    against the random split as a paired difference with its interval
    (:func:`difference_sentences`), else whether leaving sites out and blanking the tumour
    keep grading above chance (lower interval bound > 0.5); whether the threshold survives
    unseen sites.

    Args:
        results: :func:`site_experiments` output.
        differences: :func:`~glioma_lib.experiments.sites.site_differences` output, or None.

    Example:
        >>> data = gl.prepare_data(gl.get_profile("smoke"))
        >>> site_conclusion(gl.experiments.sites.site_experiments(data))
    """
    def get(name: str, column: str) -> float:
        ok = name in results.index and column in results and pd.notna(results.loc[name, column])
        return float(results.loc[name, column]) if ok else float("nan")

    def above_chance(name: str) -> bool:
        return get(name, "auc_low") > 0.5

    told = get(SITE_CLASSIFIER, "accuracy_low") > get(SITE_CLASSIFIER, "chance accuracy")
    text = ""
    if differences is not None:
        text = positive_control(differences) + " "
    elif SITE_CLASSIFIER in results.index:
        text = (f"Positive control: the network names the site of "
                f"{get(SITE_CLASSIFIER, 'accuracy'):.0%} of the test patients (chance "
                f"{get(SITE_CLASSIFIER, 'chance accuracy'):.0%}: "
                f"{'above' if told else 'not above'} chance). ")
    ref, parts = get(REFERENCE, "auc"), []
    for name, what in ((LEAVE_SITE_OUT, "on sites never seen in training"),
                       (BLANKED, "with the tumour blanked")):
        if np.isnan(get(name, "auc")):
            continue
        verdict = "above chance" if above_chance(name) else "not distinguishable from chance"
        parts.append(f"{what} the AUC is {get(name, 'auc'):.2f} ({verdict}; random patient "
                     f"split {ref:.2f})")
    text += "Graded " + "; ".join(parts) + "." if parts else ""
    if differences is not None:
        text += " " + difference_sentences(differences)
    lso_acc, ref_acc = get(LEAVE_SITE_OUT, "accuracy"), get(REFERENCE, "accuracy")
    if lso_acc < ref_acc - 0.1:
        text += (f" On unseen sites the accuracy at the 0.5 threshold is {lso_acc:.0%} "
                 f"against {ref_acc:.0%}: the ranking transfers better than the threshold.")
    if above_chance(BLANKED):
        text += (" Without the tumour's intensities it still grades, so something else carries "
                 "the grade: " + ("the site's signature, which this network can tell, is a "
                                  "candidate" if told else
                                  "with the site not recognisable by this network, the likelier "
                                  "cue is what blanking leaves, the size and shape of the "
                                  "blanked region and the anatomy around it") + ".")
    return text.strip()


def site_contrast(confounded: pd.DataFrame, deconfounded: pd.DataFrame) -> str:
    """The sentence that sets the two cohorts side by side, computed from their rows: the
    tumour-blanked AUC where the sites are confounded with the grade and where they are not,
    and their difference with an approximate 95 % interval. The cohorts hold different
    patients, so the difference is unpaired: its interval combines the two bootstrap
    intervals (normal approximation, each half-width over 1.96 as a standard error); only an
    interval that excludes zero supports a conclusion.

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
    diff = a["auc"] - b["auc"]
    se = np.hypot((a["auc_high"] - a["auc_low"]) / 3.92, (b["auc_high"] - b["auc_low"]) / 3.92)
    low, high = diff - 1.96 * se, diff + 1.96 * se
    text = (f"With the tumour blanked, the network grades with an AUC of {cell(confounded)} "
            f"where the sites are confounded with the grade and {cell(deconfounded)} where they "
            f"are not: a difference of {_signed(diff, low, high)} (unpaired, different "
            f"patients; approximate interval)")
    if low > 0:
        text += (", so the sites' signatures carry part of the grade where they are "
                 "confounded with it")
    elif high < 0:
        text += ", so the confounded cohort's sites do not add to the blanked grading"
    else:
        text += ", which these cohorts cannot tell from zero"
    return text + "."
