"""This book's results and recipe set beside the paper's reported ones
(:mod:`glioma_lib.paper` holds the paper's numbers)."""

from __future__ import annotations

import pandas as pd

from ..evaluation.uncertainty import format_interval
from ..evaluation.vote import PREDICT_RULE, SOFT_PATIENT, SOFT_VOTE, VOTE
from ..paper import COHORT, TABLE2


def recipe_differences(profile, weights_note: str, precision: str) -> pd.DataFrame:
    """The paper's training recipe beside this run's, item by item, with why they differ.

    Args:
        profile: the run's profile.
        weights_note: the trained models' weights note.
        precision: the arithmetic used (``precision_name``).

    Example:
        >>> recipe_differences(get_profile("default"), "ImageNet (file …)", "bf16 autocast")
    """
    budget = ("the 45-minute budget of the default book on 2 CPU cores: the closest option "
              "to the paper that fits (appendix, option table)")
    if profile.name == "paper":
        budget = "—"
    random_init = "random" in weights_note.lower()
    rows = [
        ("image size", f"{COHORT['image_size']} px", f"{profile.image_size} px", budget),
        ("offline 6× expansion", "yes", "yes" if profile.offline_aug else "no", budget),
        ("epochs", str(COHORT["epochs"]), str(profile.epochs), budget),
        ("batch size", str(COHORT["batch_size"]), str(profile.batch_size),
         "kept from the earlier default profile, not re-tuned" if profile.name != "paper"
         else "—"),
        ("optimiser", "not stated", "Adam", "the paper names none (chapter 4)"),
        ("arithmetic", "not stated", precision,
         "bf16 autocast: faster training on this CPU with validation results inside fp32's "
         "seed-to-seed range (appendix: measured rates and the seed-by-seed equivalence)"
         if "bf16" in precision else "—"),
        ("backbone", "googlenet", profile.backbone,
         "the paper's GoogLeNet has no ImageNet weights offline: the one backbone that has "
         "them (chapter 3 compares GoogLeNet and the others head to head)"),
        ("initial weights", "ImageNet GoogLeNet", weights_note,
         "no ImageNet weights for this backbone on this machine" if random_init else "—"),
    ]
    table = pd.DataFrame(rows, columns=["item", "paper", "this run", "why it differs"])
    table["same"] = [_same(p, r) for p, r in zip(table["paper"], table["this run"],
                                                  strict=True)]
    table.loc[table["same"] == "yes", "why it differs"] = "—"
    return table.set_index("item")


def _same(paper: str, ours: str) -> str:
    if paper == "not stated":
        return "—"
    if paper.startswith("ImageNet"):
        return "no" if "random" in ours.lower() else "yes"
    return "yes" if paper == ours else "no"


def auc_beside_paper(curves: dict[str, tuple]) -> pd.DataFrame:
    """Our AUC of each ROC curve beside the paper's four (T1WI, T2WI, FLAIR, vote; the
    soft vote, which the paper does not have, shows "—").

    Args:
        curves: :func:`glioma_lib.evaluation.tables.roc_curves` output (name → fpr, tpr, auc).

    Example:
        >>> data = gl.prepare_data(gl.get_profile("smoke"))
        >>> run = gl.run_recipe(data, "slice")
        >>> auc_beside_paper(roc_curves(run.predictions, ("t1", "t2", "flair")))
    """
    rows = []
    for name, (_, _, auc) in curves.items():
        key = "vote" if name.startswith("vote") else name
        paper_auc = TABLE2["auc"].get(key)
        rows.append({"model": name, "AUC (this book)": float(auc),
                     "AUC (paper)": None if paper_auc is None else float(paper_auc)})
    return pd.DataFrame(rows).set_index("model")


def beside_paper(table2_frame: pd.DataFrame, cv_table: pd.DataFrame,
                 metrics: tuple[str, ...] = ("accuracy", "auc")) -> pd.DataFrame:
    """The honest headline beside the paper's: per model, the paper's reported Table 2 (one
    slice-level split), this book's Table 2 on its slice-level split, and the patient-level
    cross-validation (per patient, mean slice probability; the vote row is the rule of
    ``glioma-grade predict``), each ``metrics``.

    Args:
        table2_frame: :func:`table2` of the slice-level run.
        cv_table: :func:`patient_table` of the pooled cross-validation predictions.
        metrics: the metrics shown.

    Example:
        >>> seqs = ("t1", "t2", "flair")
        >>> data = gl.prepare_data(gl.get_profile("smoke"))
        >>> cv = gl.training.crossval.cross_validate(data)
        >>> cv_frame = gl.evaluation.with_votes(cv.predictions, seqs)
        >>> slice_run = gl.run_recipe(data, "slice")
        >>> beside_paper(gl.table2(slice_run.predictions, seqs),
        ...              gl.evaluation.tables.patient_table(cv_frame, seqs))
    """
    cv = cv_table[cv_table["aggregation"] != "majority of slices"]
    cv = cv.assign(model=cv["model"].replace({PREDICT_RULE: VOTE, SOFT_PATIENT: SOFT_VOTE}))
    columns = {}
    for metric in metrics:
        t2 = table2_frame[metric]
        columns[("paper: slice split (reported)", metric)] = t2.xs("paper", level=1)
        columns[("this book: slice split", metric)] = t2.xs("ours", level=1)
        rows = cv[cv["metric"] == metric].set_index("model")
        columns[("this book: patient-level CV", metric)] = pd.Series(
            [format_interval(r["value"], r["low"], r["high"], percent=False)
             for _, r in rows.iterrows()], index=rows.index)
    order = list(dict.fromkeys(table2_frame.index.get_level_values(0)))
    out = pd.DataFrame(columns).reindex(order)
    return out[[c for c in out.columns if c[1] == metrics[0]]
               + [c for c in out.columns if c[1] != metrics[0]]]


def split_facts(data) -> dict[str, object]:
    """What chapter 1's prose says of the two splits: patients the slice-level split shares
    between training and test (and its test patients), the same for the patient-level split,
    the split fractions, and the paper's split in rows.

    Args:
        data: the prepared data stages.

    Example:
        >>> data = gl.prepare_data(gl.get_profile("smoke"))
        >>> split_facts(data)["n_leaked_patient"]
        0
    """
    from ..data.splits import shared_patients

    slice_split, patient_split = data.split("slice"), data.split("patient")
    return {"n_leaked_slice": len(shared_patients(data.index, slice_split)),
            "n_test_patients_slice": data.index.patient_id[slice_split == "test"].nunique(),
            "n_leaked_patient": len(shared_patients(data.index, patient_split)),
            "fractions": " / ".join(f"{f:.0%}".rstrip("%")
                                    for f in data.profile.split_fractions),
            "paper_rows": f"{sum(COHORT['split']):,}",
            "paper_split": " / ".join(f"{n:,}" for n in COHORT["split"])}
