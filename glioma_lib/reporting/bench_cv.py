"""The benches shown beside chapter 7's cross-validation: the class-weighted variant
(``bench/bench_cv_balance.py``) and the sim-to-real check of the site experiments' networks
(``bench/bench_sites.py``), each as a :class:`~.section.Section` (its table and a computed
sentence), or a line saying it was not measured."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..evaluation.operating import CHOSEN, FIXED
from .bench import not_measured, read_result
from .cells import lookup, wide
from .section import Section

#: The rows of the class-weighted table: the soft vote and the paper's majority vote.
BALANCE_MODELS = ("soft vote", "vote")


def cv_balance(path) -> Section:
    """The class-weighted variant beside the paper's unweighted loss: per arm, rule (0.5 or
    chosen on validation) and model (soft vote, majority vote), the patient-level metrics with
    their bootstrap intervals (the always-HGG accuracy in ``balance_baseline``, for the
    caption); and a sentence, computed, on what
    the weighting changes at the validation-chosen thresholds.

    Args:
        path: ``bench/results/cv_balance.json``.

    Example:
        >>> cv_balance("bench/results/cv_balance.json").values["balance_text"]
    """
    data = read_result(path)
    if data is None:
        return Section({"balance_text": f"Not measured yet: {Path(path).name} (run "
                                        f"bench/bench_cv_balance.py).",
                        "balance_provenance": "not measured",
                        "balance_baseline": "no baseline"}, not_measured(path))
    arms = data["arms"]
    long = pd.concat([pd.DataFrame(a["operating"]).assign(variant=name)
                      for name, a in arms.items()], ignore_index=True)
    long = long[long["model"].isin(BALANCE_MODELS)]
    table = wide(long, ["variant", "rule", "model"])
    # the always-HGG accuracy is the cohort's, not a row's: said once, in the caption
    always = {f"{a['always_hgg_accuracy']:.1%}" for a in arms.values()}
    baseline = (f"always answering HGG is right for {always.pop()} of patients"
                if len(always) == 1 else "always answering HGG is right for " + ", ".join(
                    f"{a['always_hgg_accuracy']:.1%} ({name})" for name, a in arms.items()))

    def cell(name: str, metric: str, rule: str = CHOSEN, model: str = "vote") -> str:
        return lookup(long, metric, interval=True, percent=metric != "auc", variant=name,
                      rule=rule, model=model)

    plain, weighted = list(arms)
    text = (f"At the paper's 0.5 threshold the majority vote's specificity is "
            f"{cell(plain, 'specificity', FIXED)} with the unweighted loss and "
            f"{cell(weighted, 'specificity', FIXED)} with the class-weighted one. At the "
            f"thresholds chosen on validation it is {cell(plain, 'specificity')} and "
            f"{cell(weighted, 'specificity')} (sensitivity {cell(plain, 'sensitivity')} and "
            f"{cell(weighted, 'sensitivity')}); the soft vote's AUC is "
            f"{cell(plain, 'auc', model='soft vote')} and "
            f"{cell(weighted, 'auc', model='soft vote')}.")
    provenance = (f"bench/bench_cv_balance.py, {data['profile']} profile ({data['recipe']}), "
                  f"{data['machine']}, commit {data['commit']}")
    return Section({"balance_text": text, "balance_provenance": provenance,
                    "balance_baseline": baseline}, table, long)


def sim_to_real(path) -> Section:
    """The fold-0 networks trained on the confounded and on the de-confounded synthetic cohort
    grading the real BraTS sample with and without its mask (``bench/results/sites.json``):
    one row per cohort and window with each patient's verdict and vote score, the accuracy and
    the vote score's AUC; and a sentence, computed, comparing the two cohorts.

    Args:
        path: ``bench/results/sites.json``.

    Example:
        >>> sim_to_real("bench/results/sites.json").values["sim_to_real_text"]
    """
    data = read_result(path) or {}
    parts = {name: c["sim_to_real"] for name, c in data.get("cohorts", {}).items()
             if "patients" in c.get("sim_to_real", {})}
    if len(parts) < 2:
        why = next((c["sim_to_real"]["skipped"] for c in data.get("cohorts", {}).values()
                    if "skipped" in c.get("sim_to_real", {})), None)
        if why is None and data:
            why = f"{Path(path).name} holds no sim-to-real rows (rerun bench/bench_sites.py)"
        table = not_measured(path, why)
        text = str(table.iloc[0, 0])
        return Section({"sim_to_real_text": f"{text[0].upper()}{text[1:]}."}, table)
    rows = []
    for cohort, part in parts.items():
        patients = pd.DataFrame(part["patients"])
        for window, group in patients.groupby("window", sort=False):
            row = {"trained on": cohort, "window": window}
            for r in group.itertuples():
                row[f"{r.patient_id} ({r.grade})"] = f"{r.verdict} ({r.score_hgg:.2f})"
            s = part["summary"][window]
            row["accuracy"] = f"{s['accuracy']:.0%}"
            row["vote-score AUC"] = "—" if s["auc"] is None else f"{s['auc']:.2f}"
            rows.append(row)
    table = pd.DataFrame(rows).set_index(["trained on", "window"])
    first, second = list(parts)
    right = {c: {w: round(s["accuracy"] * s["patients"]) for w, s in parts[c]["summary"].items()}
             for c in parts}
    n = parts[first]["summary"]["mask"]["patients"]
    grades = pd.DataFrame(parts[first]["patients"]).drop_duplicates("patient_id")["grade"]
    text = (f"With the BraTS mask, the networks trained {_cohort(first)} grade "
            f"{right[first]['mask']} of the {n} real patients correctly and those trained "
            f"{_cohort(second)} {right[second]['mask']}; with the automatic window "
            f"{right[first]['automatic']} and {right[second]['automatic']}. Always "
            f"answering HGG grades {int((grades == 'HGG').sum())} of them correctly.")
    return Section({"sim_to_real_text": text}, table)


def _cohort(name: str) -> str:
    return ("with the sites as in BraTS 2019" if name == "as in BraTS 2019"
            else f"on the {name} cohort")
