"""Tests of glioma_lib.paper (the paper's numbers) and glioma_lib.reporting.beside_paper."""

from __future__ import annotations

from glioma_lib.config import get_profile
from glioma_lib.paper import TABLE2
from glioma_lib.reporting.beside_paper import recipe_differences


def test_table2_vote_row_is_the_papers():
    assert TABLE2.loc["vote", "accuracy"] == 0.99


def test_recipe_differences_say_what_differs_and_why():
    default = recipe_differences(get_profile("default"), "random initialisation (no file)",
                                 "bf16 autocast")
    assert default.loc["initial weights", "same"] == "no"
    assert "no ImageNet" in default.loc["initial weights", "why it differs"]
    assert default.loc["arithmetic", "same"] == "—"  # the paper does not say
    assert "45-minute" in default.loc["epochs", "why it differs"]
    paper = recipe_differences(get_profile("paper"), "ImageNet (googlenet-1378be20.pth)",
                               "fp32")
    for item in ("image size", "offline 6× expansion", "epochs", "batch size", "initial weights"):
        assert paper.loc[item, "same"] == "yes", item
        assert paper.loc[item, "why it differs"] == "—"


def test_paper_aucs_restored_from_the_abstract_record():
    from glioma_lib.reporting.beside_paper import auc_beside_paper

    assert TABLE2["auc"].tolist() == [0.9513, 0.9342, 0.9614, 0.9950]
    curves = {"T1WI": (None, None, 0.8), "vote (vote fraction)": (None, None, 0.9),
              "soft vote (mean probability)": (None, None, 0.95)}
    table = auc_beside_paper(curves)
    assert table.loc["T1WI", "AUC (paper)"] == 0.9513
    assert table.loc["vote (vote fraction)", "AUC (paper)"] == 0.9950
    assert table["AUC (paper)"].isna().tolist() == [False, False, True]
