"""The cross-validation recipe's options (``bench/results/cv_options.json`` of
``bench/bench_cv_options.py``) as the appendix's table, ranked on validation patients, and
whether the profile's recipe is the one that ranking chooses."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from .bench import not_measured, read_result
from .budget import on_reference
from .provenance import generator_problem

#: The options table's AUC columns: the validation patients' (ranks the options) and the test
#: patients' (shown, never used to choose: Varoquaux & Cheplygina 2022).
VAL_AUC = "validation AUC (ranks)"
TEST_AUC = "test AUC (not used to choose)"


def validation_choice(table: pd.DataFrame) -> tuple[str, int] | None:
    """The option a reader would choose without looking at test patients: the highest mean
    validation AUC among the options that fit the budget (None without validation scores).

    Args:
        table: :func:`cv_options_table`.

    Example:
        >>> validation_choice(cv_options_table("bench/results/cv_options.json"))
        ('1600', 5)
    """
    if VAL_AUC not in table or table.empty:
        return None
    fits = table[table["fits 45 min"] == "yes"]
    return None if fits.empty else fits[VAL_AUC].idxmax()


def choice_text(table: pd.DataFrame) -> str:
    """Whether the profile's cross-validation option (marked "chosen" in :func:`cv_options_table`)
    is the one the validation patients choose within 45 minutes (:func:`validation_choice`), as
    a sentence with both validation AUCs: a visible warning where it is not.

    Args:
        table: :func:`cv_options_table`.

    Example:
        >>> choice_text(cv_options_table("bench/results/cv_options.json", ("800", 5)))[:4]
        'The '
    """
    best = validation_choice(table)
    chosen = [i for i in table.index if "chosen" in str(table.loc[i].get("recipe", ""))]
    if best is None:
        return ("No option was ranked on validation patients here (not measured, no "
                "validation scores, or none fits 45 minutes).")
    if not chosen:
        return ("This profile's cross-validation recipe is not among the options measured "
                "(bench/bench_cv_options.py measures the default profile's).")

    def name(option) -> str:
        return (f"{option[0]} slices × {option[1]} epochs (validation AUC "
                f"{table.loc[option, VAL_AUC]:.3f}, "
                f"{table.loc[option, 's / network here']:.0f} s per network here)")

    if tuple(chosen[0]) == tuple(best):
        return (f"The default profile trains the option the validation patients choose among "
                f"those that fit 45 minutes: {name(best)}.")
    return (f"⚠ The validation patients choose {name(best)} among the options that fit 45 "
            f"minutes; the default profile trains {name(chosen[0])}. Every cross-validation "
            f"number in this book (and every bench that reuses its networks) is the profile's "
            f"option: the validation choice has not been adopted yet, so the headline's recipe "
            f"is not the one this ranking prefers.")


def cv_options_table(path, chosen: tuple[str, int] | None = None) -> pd.DataFrame:
    """The cross-validation recipe's options (``bench/bench_cv_options.py``): per option
    (training slices × epochs) the FLAIR network's patient AUC on the measured folds'
    validation patients (what ranks the options, :func:`validation_choice`) and, shown but not
    used to choose, on their test patients, seconds per network here, and the default book's
    time it would give on an AVX2 CPU in fp32 (the reference cold build, with the
    cross-validation family's
    networks re-timed: this machine's seconds scaled by the two probe rates). The projection
    starts from the option the reference build ran (``"current"`` in the file, marked
    "reference"); ``chosen`` (the profile's option now) is marked "chosen". A result made on
    another synthetic cohort (generator version) is refused with a visible warning.

    Args:
        path: ``bench/results/cv_options.json``.
        chosen: (slices, epochs) of the profile's recipe
            (:func:`glioma_lib.training.crossval.cv_option`); default the file's current.

    Example:
        >>> cv_options_table("bench/results/cv_options.json")
    """
    data = read_result(path)
    if data is None:
        return not_measured(path)
    if problem := generator_problem(data):  # its AUCs are another cohort's
        return not_measured(path, f"⚠ Warning: {Path(path).name} is not quoted as this book's "
                                  f"measurement: {problem}; rerun bench/bench_cv_options.py")
    runs = pd.DataFrame(data["rows"])
    runs["slices"] = runs["slices"].astype(str)
    option = runs.groupby(["slices", "epochs"], sort=False)
    table = pd.DataFrame(index=option.size().index)
    if "val_patient_auc" in runs:  # what ranks the options: the validation patients only
        table[VAL_AUC] = option["val_patient_auc"].mean()
    table[TEST_AUC] = option["test_patient_auc"].mean()
    for fold, part in runs.groupby("fold"):
        table[f"fold {fold} test AUC"] = part.set_index(["slices", "epochs"])["test_patient_auc"]
    table["s / network here"] = option["seconds"].mean()
    cur = (str(data["current"]["slices"]), int(data["current"]["epochs"]))
    extra = on_reference(table["s / network here"] - table.loc[cur, "s / network here"],
                         data, {"probe_img_s": data["reference_probe_img_s"]})
    table["book (min, AVX2 fp32)"] = (data["reference_book_s"]
                                      + data["cv_family_networks"] * extra) / 60
    table["fits 45 min"] = (table["book (min, AVX2 fp32)"] * 60 <= data["budget_s"]).map(
        {True: "yes", False: "no"})
    chosen = (str(chosen[0]), int(chosen[1])) if chosen else cur
    table["recipe"] = [", ".join(word for word, hit in (("reference", idx == cur),
                                                        ("chosen", idx == chosen)) if hit)
                       for idx in table.index]
    return table
