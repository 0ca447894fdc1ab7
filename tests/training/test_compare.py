"""Tests of glioma_lib.training.compare and glioma_lib.experiments.backbones (chapter 3)."""

from __future__ import annotations

from glioma_lib.experiments import backbones
from glioma_lib.experiments.backbones import head_to_head
from glioma_lib.models import WeightsNotFound
from glioma_lib.training import compare
from glioma_lib.training.compare import common_weights


def test_head_to_head_reports_auc_time_and_weights(unit_data):
    table = head_to_head(unit_data, ["mobilenet_v2"])
    row = table.loc["mobilenet_v2"]
    assert 0 <= row["val AUC"] <= 1 and row["s / epoch"] > 0 and row["epochs"] == 2
    assert 0 <= row["test AUC"] <= 1 and 0 <= row["test accuracy"] <= 1
    assert row["weights"]
    test = unit_data.index.iloc[unit_data.split("patient") == "test"]
    assert row["always-HGG accuracy"] == (test["grade"] == "HGG").mean()


def test_no_better_than_always_hgg_names_the_flat_backbones():
    import pandas as pd

    table = pd.DataFrame({"test accuracy": [0.765, 0.90, 0.70],
                          "always-HGG accuracy": [0.765, 0.765, 0.765]},
                         index=pd.Index(["a", "b", "c"], name="backbone"))
    assert backbones.no_better_than_always_hgg(table) == ["a", "c"]


def test_common_weights_never_mixes_initialisations(monkeypatch):
    def only_lite0(name, path=None):
        if name != "efficientnet_lite0":
            raise WeightsNotFound(name)
        return name

    monkeypatch.setattr(compare, "find_weights", only_lite0)
    assert common_weights(["efficientnet_lite0"]) == "imagenet"
    assert common_weights(["googlenet", "efficientnet_lite0"]) is None


def test_chosen_backbone_reads_validation_only():
    import pandas as pd

    table = pd.DataFrame({"val AUC": [0.6, 0.8], "test AUC": [0.9, 0.5]},
                         index=pd.Index(["a", "b"], name="backbone"))
    assert backbones.chosen_backbone(table) == "b"
    assert backbones.chosen_backbone(table.assign(**{"val AUC": float("nan")})) is None


def test_the_default_head_to_head_leaves_vgg16_and_xception_to_the_paper_profile():
    from glioma_lib.config import get_profile
    from glioma_lib.models.registry import REGISTRY
    from glioma_lib.training.compare import compared_backbones, left_out_backbones

    assert left_out_backbones(get_profile("default")) == ["vgg16", "xception"]
    assert compared_backbones(get_profile("paper")) == list(REGISTRY)
    assert left_out_backbones(get_profile("smoke")) == []
