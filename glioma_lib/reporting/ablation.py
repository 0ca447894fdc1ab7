"""The generator ablation (``bench/results/ablation.json``, made by ``bench/bench_ablation.py``):
for each synthetic generator, the patient-protocol networks trained on its cohort grading every
real BraTS patient, and each generator's AUC against the book's as a paired bootstrap
difference on the same real patients."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from .bench import not_measured, read_result
from .section import Section

#: The arm every other is compared with (``bench/bench_ablation.py``'s ``ARMS``).
BOOK_ARM = "generator 5 (the book's)"
#: The column of each arm's paired AUC difference from the book's.
DIFFERENCE = "AUC − book's (mask)"


def arm_difference(arm: dict, book: dict, window: str = "mask", n_resamples: int = 1000,
                   seed: int = 0) -> dict | None:
    """The soft score's AUC of one ablation arm minus the book's on the same real patients
    (:func:`glioma_lib.evaluation.uncertainty.paired_difference`), or None where the patients
    hold one grade only.

    Args:
        arm: one arm of ``ablation.json`` (its ``patients`` rows).
        book: the book's arm.
        window: ``"mask"`` or ``"automatic"``.
        n_resamples: bootstrap resamples.
        seed: the bootstrap's seed.

    Example:
        >>> rows = [{"patient_id": p, "grade": g, "window": "mask", "score_soft": s}
        ...         for p, g, s in (("a", "HGG", .9), ("b", "LGG", .2), ("c", "HGG", .4))]
        >>> arm_difference({"patients": rows}, {"patients": rows}, n_resamples=50)["difference"]
        0.0
    """
    from ..evaluation.uncertainty import paired_difference

    def scores(part: dict) -> pd.DataFrame:
        frame = pd.DataFrame(part["patients"])
        frame = frame[frame["window"] == window]
        return frame.assign(label=(frame["grade"] == "HGG").astype(int))

    return paired_difference(scores(arm), scores(book), "score_soft", n_resamples=n_resamples,
                             seed=seed)


def _moved(d: dict | None) -> str:
    if d is None:
        return "undefined"
    return "yes" if d["low"] > 0 or d["high"] < 0 else "no (interval includes 0)"


def ablation_table(path, recipe: str, n_resamples: int = 1000, seed: int = 0,
                   networks_recipe: str | None = None) -> Section:
    """One row per generator: what it changes is named in the text; the soft score's AUC over
    all real patients with the mask and with the automatic window (95 % patient-bootstrap
    intervals), the external set's HGG recall, and the AUC minus the book's with its paired
    interval; a sentence names the changes whose interval excludes 0. A visible warning
    instead where the result is not this checkout's (recipe, generator version).

    Args:
        path: the ablation bench's JSON.
        recipe: the recipe the book quotes it for (the profile's cross-validation recipe, as
            every bench's envelope records it): checked where the result does not record
            ``networks_recipe`` (made before it did).
        n_resamples: bootstrap resamples of the paired differences.
        seed: the bootstrap's seed.
        networks_recipe: the recipe of the networks its arms train (the patient protocol's,
            :func:`~glioma_lib.training.crossval.main_recipe_text`): where the result records
            it, the check is on it, so a new cross-validation recipe does not refuse it.

    Example:
        >>> ablation_table("bench/results/ablation.json", "x").values["ablation_text"][:9]
        '⚠ Warning'
    """
    from ..evaluation.uncertainty import format_interval
    from .provenance import quotable

    data = read_result(path)
    if data is None or data.get("skipped") or not data.get("arms"):
        why = (data or {}).get("skipped") or f"not measured yet: {Path(path).name} (run " \
                                              "bench/bench_ablation.py)"
        return Section({"ablation_text": why[0].upper() + why[1:] + ".",
                        "ablation_arms": "—"}, not_measured(path, why))
    if networks_recipe is not None and "networks_recipe" in data:
        ok, warning = quotable(path)  # commit, clean tree, generator version
        if ok and data["networks_recipe"] != networks_recipe:
            ok, warning = False, (f"⚠ Warning: {Path(path).name} is not quoted as this book's "
                                  f"measurement: its networks were trained with another "
                                  f"recipe ({data['networks_recipe']!r}, not "
                                  f"{networks_recipe!r}).")
    else:
        ok, warning = quotable(path, recipe)
    if not ok:
        return Section({"ablation_text": warning, "ablation_arms": "—"},
                       not_measured(path, warning))
    book = data["arms"].get(BOOK_ARM)
    rows, moved = {}, []
    for name, arm in data["arms"].items():
        row = {}
        for window in ("mask", "automatic"):
            s = arm["summary"].get(window, {})
            row[f"AUC, {window}"] = ("undefined" if s.get("auc") is None else format_interval(
                s["auc"], s["auc_low"], s["auc_high"], percent=False))
        recall = arm["summary"].get("mask", {}).get("external_hgg_recall")
        row["external HGG recall"] = "—" if recall is None else f"{recall:.0%}"
        if book is not None and name != BOOK_ARM:
            d = arm_difference(arm, book, "mask", n_resamples, seed)
            row[DIFFERENCE] = "undefined" if d is None else format_interval(
                d["difference"], d["low"], d["high"], percent=False)
            row["moved it"] = _moved(d)
            if d is not None and _moved(d) == "yes":
                moved.append(f"{name} ({row[DIFFERENCE]})")
        else:
            row[DIFFERENCE] = row["moved it"] = "—"
        rows[name] = row
    table = pd.DataFrame(rows).T
    table.index.name = "generator"
    n = sum(1 for p in (book or next(iter(data["arms"].values())))["patients"]
            if p["window"] == "mask")
    if moved:
        text = ("Against the book's generator, the real patients' AUC (mask) moved, by a paired "
                f"interval that excludes 0, with: {'; '.join(moved)}.")
    else:
        text = ("No generator change moved the real patients' AUC (mask) by a paired interval "
                f"that excludes 0: {n} real patients cannot tell these generators apart.")
    text += f" ({Path(path).name}, commit {data['commit']}.)"
    arms = "; ".join(f"*{name}*: {arm['changes']}" for name, arm in data["arms"].items())
    return Section({"ablation_text": f"{warning} {text}" if warning else text,
                    "ablation_arms": arms}, table)
