"""The paper's reported numbers, as data (never typed into a results cell).

Values marked restored in ../shared/PAPER.md lost their digit 5 in the source PDF and were
restored from arithmetic (HGG patients, T1WI sensitivity, FLAIR TP and specificity, vote
specificity); the T1WI and vote AUCs come from the journal's own abstract record, which kept
its 5s (0.9513 and 0.9950; the PDF printed 0.913 and lost the vote's).
"""

from __future__ import annotations

import pandas as pd

COHORT = {"LGG": 76, "HGG": 259, "slices_per_patient": 20, "image_size": 224,
          "split": (4690, 1005, 1005), "offline_aug": 6, "batch_size": 128, "epochs": 100}

#: Table 1: backbone parameters (M), depth, CIFAR-100 top-1 / top-5 error (%).
TABLE1 = pd.DataFrame(
    [("mobilenet_v2", "MobileNet-v2", 2.4, 53, 31.92, 9.02),
     ("vgg16", "VGG-16", 34.0, 16, 27.07, 8.84),
     ("xception", "Xception", 21.0, 71, 25.07, 7.32),
     ("inception_v3", "Inception-v3", 22.3, 48, 22.81, 6.39),
     ("googlenet", "GoogLeNet", 6.2, 22, 21.97, 5.94)],
    columns=["backbone", "network", "params_M", "depth", "top1_err", "top5_err"],
).set_index("backbone")

#: Table 2: test set (1,005 images: 777 HGG, 228 LGG). The T1WI and vote AUCs are the
#: abstract record's (the PDF lost their digit 5).
TABLE2 = pd.DataFrame(
    [("T1WI", 766, 19, 209, 11, 0.9858, 0.9167, 0.9701, 0.9808, 0.9513),
     ("T2WI", 777, 30, 198, 0, 1.0, 0.8684, 0.9701, 0.9811, 0.9342),
     ("FLAIR", 775, 17, 211, 2, 0.9974, 0.9254, 0.9811, 0.9879, 0.9614),
     ("vote", 777, 10, 218, 0, 1.0, 0.9561, 0.9900, 0.9936, 0.9950)],
    columns=["model", "TP", "FP", "TN", "FN", "sensitivity", "specificity", "accuracy", "f1",
             "auc"],
).set_index("model")


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
        >>> auc_beside_paper(roc_curves(run.predictions, ("t1", "t2", "flair")))
    """
    rows = []
    for name, (_, _, auc) in curves.items():
        key = "vote" if name.startswith("vote") else name
        paper_auc = TABLE2["auc"].get(key)
        rows.append({"model": name, "AUC (this book)": float(auc),
                     "AUC (paper)": None if paper_auc is None else float(paper_auc)})
    return pd.DataFrame(rows).set_index("model")
