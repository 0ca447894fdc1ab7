import matplotlib

matplotlib.use("Agg")
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from glioma_lib import plots  # noqa: E402
from glioma_lib.brats import index_cohort  # noqa: E402
from glioma_lib.config import get_profile  # noqa: E402
from glioma_lib.report import caption, cohort_table  # noqa: E402


def test_caption_names_profile_data_and_weights():
    text = caption(get_profile("smoke"), "synthetic", "random init")
    assert "smoke" in text and "synthetic" in text and "random init" in text


def test_cohort_table(cohort_2019):
    table = cohort_table(index_cohort(cohort_2019))
    assert table.loc["LGG", "patients"] == 2 and table.loc["total", "patients"] == 5


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


def test_bench_summary_marks_targets_and_missing_files(tmp_path):
    import json

    from glioma_lib.report import bench_summary, bench_table

    (tmp_path / "data.json").write_text(json.dumps({"slice_stage_over_bare": 1.88,
                                                    "synth_patients_per_s": 0.6}))
    (tmp_path / "predict.json").write_text(json.dumps({"command_with_mask_s": 4.0}))
    table = bench_summary(tmp_path)
    assert table.loc["slice stage time / bare NIfTI reading", "met"] == "no"
    assert table.loc["glioma-grade predict, one patient, 224 px (s)", "met"] == "yes"
    assert table.loc["smoke book (s)", "value"] == "not measured"
    one = bench_table(tmp_path / "predict.json", {"command_with_mask_s": "command (s)"})
    assert one.loc["command (s)", "value"] == "4.0"
    assert "not measured" in bench_table(tmp_path / "nope.json").iloc[0, 0]


def test_format_measure_keeps_three_digits_and_whole_large_numbers():
    from glioma_lib.report import format_measure

    assert format_measure(0.71455) == "0.715"
    assert format_measure(2926.1) == "2,926"
    assert format_measure(1900) == "1,900"
    assert format_measure(4) == "4"
    assert format_measure("yes") == "yes"
