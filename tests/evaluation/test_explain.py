"""Tests of glioma_lib.evaluation.explain."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from glioma_lib.evaluation import explain
from glioma_lib.models import REGISTRY, create


@pytest.mark.parametrize("name", sorted(REGISTRY))
def test_every_backbone_has_a_gradcam_layer(name):
    model = create(name, weights=None)
    assert isinstance(explain.target_layer(model), torch.nn.Module)


def test_gradcam_maps_match_the_images():
    model = create("googlenet", weights=None)
    images = np.random.default_rng(0).integers(0, 255, (3, 64, 64), dtype=np.uint8)
    maps = explain.gradcam(model, images, target_class=1)
    assert maps.shape == (3, 64, 64) and maps.min() >= 0 and maps.max() <= 1 + 1e-6
    assert explain.gradcam(model, np.stack([images] * 3, 1)).shape == (3, 64, 64)


def test_pick_cases():
    cases = explain.pick_cases([1, 1, 0, 0, 1], [0.9, 0.2, 0.1, 0.3, 0.6])
    assert cases == {"HGG graded HGG": 0, "HGG graded LGG": 1, "LGG graded LGG": 2,
                     "LGG graded HGG": None}


def test_cases_give_the_panels_of_the_gradcam_grid():
    import pandas as pd

    class Slices:
        def __init__(self):
            rng = np.random.default_rng(0)
            self.arrays = {"t1": rng.integers(0, 255, (6, 32, 32), dtype=np.uint8),
                           "mask": np.zeros((6, 32, 32), np.uint8)}

        def array(self, name):
            return self.arrays[name]

    frame = pd.DataFrame({"row": [5, 4, 3, 2], "label": [1, 1, 0, 0],
                          "p_t1": [0.9, 0.2, 0.1, 0.7]})
    panels = explain.cases({"t1": create("mobilenet_v2", weights=None)}, Slices(), frame, ("t1",))
    assert panels["images"].shape == (4, 32, 32) and panels["cams"].shape == (4, 32, 32)
    assert np.array_equal(panels["images"][0], Slices().array("t1")[5])
    assert panels["titles"][0].startswith("T1WI: HGG graded HGG")
