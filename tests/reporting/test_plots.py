"""Tests of glioma_lib.reporting.plots."""

import matplotlib
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from glioma_lib.data.brats import index_cohort  # noqa: E402
from glioma_lib.reporting import plots  # noqa: E402

matplotlib.use("Agg")


def test_figures_draw(cohort_2019):
    cohort = index_cohort(cohort_2019)
    fig = plots.patient_montage(cohort, cohort.patient_id[:2].tolist(), caption="x")
    assert len(fig.axes) == 8
    imgs = np.zeros((3, 16, 16), np.uint8)
    masks = np.zeros((3, 16, 16), np.uint8)
    masks[:, 4:8, 4:8] = 1
    assert len(plots.window_strip(imgs, masks, ncols=2).axes) == 4
    assert len(plots.image_grid(np.zeros((2, 3, 8, 8)), "ab", "xyz").axes) == 6
    h = pd.DataFrame({"epoch": [1, 2], "train_acc": [.5, .6], "val_acc": [.5, .7],
                      "train_loss": [1, .8], "val_loss": [1, .9]})
    assert len(plots.training_curves({"T1": h, "T2": h}, "loss").axes) == 2
    fig = plots.roc_figure({"a": (np.array([0, 1]), np.array([0, 1]), 0.5)})
    assert "AUC = 0.500" in fig.axes[0].get_legend().get_texts()[0].get_text()
    arr = np.random.default_rng(0).integers(1, 255, (4, 8, 8)).astype(np.uint8)
    fig = plots.intensity_histograms({"t1": arr, "t2": arr}, np.array([0, 0, 1, 1]))
    assert [ax.get_title() for ax in fig.axes] == ["sequence = T1WI", "sequence = T2WI"]
    assert all(len(ax.patches) + len(ax.collections) + len(ax.lines) >= 2 for ax in fig.axes)
