"""Tests of glioma_lib.models.measure."""

import pytest
import torch

from glioma_lib.models.measure import depth, original_network


@pytest.fixture(autouse=True)
def no_weights(tmp_path, monkeypatch):
    """An empty torch hub cache: no ImageNet weights except what a test puts there."""
    monkeypatch.setattr(torch.hub, "get_dir", lambda: str(tmp_path / "hub"))
    monkeypatch.delenv("GLIOMA_WEIGHTS_DIR", raising=False)


@pytest.mark.parametrize("name, expected", [("googlenet", 22), ("vgg16", 16),
                                            ("mobilenet_v2", 53)])
def test_depth_matches_the_papers_table(name, expected):
    assert depth(original_network(name)) == expected


def test_table1_puts_the_papers_columns_beside_ours():
    from glioma_lib import paper
    from glioma_lib.models.measure import table1

    table = table1(32, timing=False)
    assert set(paper.TABLE1.index) <= set(table.index)
    assert table.loc["googlenet", "paper depth"] == paper.TABLE1.loc["googlenet", "depth"]
    assert table.loc["googlenet", "depth (measured)"] == 22
    assert table["GFLOPs"].gt(0).all()
