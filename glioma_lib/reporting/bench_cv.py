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


def cv_balance(path, recipe: str | None = None) -> Section:
    """The class-weighted variant beside the paper's unweighted loss: per arm, rule (0.5 or
    chosen on validation) and model (soft vote, majority vote), the patient-level metrics with
    their bootstrap intervals (the always-HGG accuracy in ``balance_baseline``, for the
    caption); and a sentence, computed, on what
    the weighting changes at the validation-chosen thresholds.

    Args:
        path: ``bench/results/cv_balance.json``.
        recipe: the recipe the book quotes it for: a result of another recipe is refused, one
            from a modified tree carries a visible warning
            (:func:`~.provenance.quotable`).

    Example:
        >>> cv_balance("bench/results/cv_balance.json").values["balance_text"]
    """
    data = read_result(path)
    if data is None:
        return Section({"balance_text": f"Not measured yet: {Path(path).name} (run "
                                        f"bench/bench_cv_balance.py).",
                        "balance_provenance": "not measured",
                        "balance_baseline": "no baseline"}, not_measured(path))
    from .provenance import quotable

    ok, warning = quotable(path, recipe)
    if not ok:
        return Section({"balance_text": warning, "balance_provenance": "refused",
                        "balance_baseline": "no baseline"}, not_measured(path, warning))
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
    if warning:
        text, provenance = f"{warning} {text}", f"{provenance}; {warning}"
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
    from .provenance import generator_problem

    data = read_result(path) or {}
    if data and (problem := generator_problem(data)):  # networks of another cohort
        table = not_measured(path, f"⚠ Warning: {Path(path).name} is not quoted as this "
                                   f"book's measurement: {problem}; rerun it (make bench)")
        return Section({"sim_to_real_text": str(table.iloc[0, 0])}, table)
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


def cv_seed_spread(path, recipe: str) -> str:
    """How far the cross-validation's headline moves when only the training seed changes
    (``bench/results/cv_seeds.json``, made by ``bench/bench_cv_seeds.py`` on the book's cohort
    and folds), as a sentence: the soft vote's pooled AUC per patient as mean and range over
    the seeds; with a visible warning instead when the result was made with another recipe
    or on a modified tree (:func:`~.provenance.provenance_problems`), and no range when it
    holds fewer than two seeds.

    Args:
        path: the seeds bench's JSON.
        recipe: the recipe the book quotes it for
            (:func:`~glioma_lib.training.crossval.cv_recipe_text` of the profile).

    Example:
        >>> cv_seed_spread("bench/results/cv_seeds.json", "efficientnet_lite0, 5 epochs of "
        ...                "online augmentation, 800 training slices per model")[:12]
        'Retrained un'
    """
    from .provenance import quotable

    data = read_result(path)
    if data is None or not data.get("runs"):
        return (f"The seed-to-seed spread was not measured ({Path(path).name}; run "
                f"bench/bench_cv_seeds.py)")
    ok, warning = quotable(path, recipe)
    if not ok:
        return warning.rstrip(".")
    runs = pd.DataFrame(data["runs"])
    auc = runs["soft_auc"]
    seeds = ", ".join(map(str, runs["seed"]))
    if runs["seed"].nunique() < 2:
        text = (f"The seed-to-seed spread is not measured yet: {Path(path).name} holds one "
                f"training seed ({seeds}; AUC {auc.iloc[0]:.3f}), and a spread needs two or more "
                f"(run bench/bench_cv_seeds.py with --seeds)")
    else:
        text = (f"Retrained under {len(runs)} training seeds ({seeds}; same cohort, folds, "
                f"recipe and backbone; {Path(path).name}, commit {data['commit']}), the soft "
                f"vote's pooled AUC per patient is {auc.mean():.3f} on average, from "
                f"{auc.min():.3f} to {auc.max():.3f}")
    return f"{warning} {text}" if warning else text


#: The rows of the no-mask table: how each patient's slices were chosen at test time.
WINDOW_ROWS = {"mask": "the BraTS mask (as every headline)",
               "automatic": "the automatic window (no mask: a new patient)"}


def cv_automatic(path, recipe: str) -> Section:
    """The cross-validation scored with and without the ground-truth mask at test time
    (``bench/results/cv_automatic.json``, made by ``bench/bench_cv_automatic.py`` with the
    book's fold networks through ``glioma-grade predict``'s path): per window the soft vote's
    AUC with its interval, the vote's accuracy and always-HGG; a sentence on the paired
    difference; a visible warning instead when the result is not this recipe's.

    Args:
        path: the bench's JSON.
        recipe: the recipe the book quotes it for (the profile's cross-validation recipe).

    Example:
        >>> cv_automatic("bench/results/cv_automatic.json", "x").values["nomask_text"][:9]
        '⚠ Warning'
    """
    from ..evaluation.uncertainty import format_interval
    from .provenance import quotable

    data = read_result(path)
    if data is None:
        why = f"not measured yet: {Path(path).name} (run bench/bench_cv_automatic.py)"
        return Section({"nomask_text": why[0].upper() + why[1:] + "."}, not_measured(path))
    ok, warning = quotable(path, recipe)
    if not ok:
        return Section({"nomask_text": warning}, not_measured(path, warning))
    rows = {}
    for window, s in data["summary"].items():
        rows[WINDOW_ROWS.get(window, window)] = {
            "soft vote AUC [95 % CI]": format_interval(s["soft_auc"], s["soft_auc_low"],
                                                       s["soft_auc_high"], percent=False),
            "vote accuracy": f"{s['vote_accuracy']:.1%}",
            "always HGG": f"{s['always_hgg']:.1%}", "patients": s["patients"]}
    table = pd.DataFrame(rows).T
    table.index.name = "slices chosen by"
    d = data["auc_difference_automatic_minus_mask"]
    shown = format_interval(d["difference"], d["low"], d["high"], percent=False)
    if d["low"] > 0 or d["high"] < 0:
        verdict = "an interval that excludes 0: the window changes the AUC"
    else:
        verdict = "an interval that includes 0: this cohort cannot tell the two windows apart"
    text = (f"Without the mask, the soft vote's AUC differs from the mask's by {shown} (paired "
            f"over the same {d['n_patients']} patients), {verdict} ({Path(path).name}, commit "
            f"{data['commit']}).")
    failed = len(data.get("failed", []))
    if failed:
        text += f" The automatic window found no tumour in {failed} patient(s)."
    return Section({"nomask_text": f"{warning} {text}" if warning else text}, table)
