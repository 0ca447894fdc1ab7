"""Chapter 6's library: patient bootstrap, shuffled labels, patient grading, early fusion,
calibration, Grad-CAM and the evaluation tables."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch

from glioma_lib import calibration, evaluation, explain, vote
from glioma_lib.augment import expand_offline, offline_variants
from glioma_lib.models import REGISTRY, create
from glioma_lib.report import sample_size_caveat
from glioma_lib.slices import early_fusion
from glioma_lib.splits import shuffle_grades_by_patient
from glioma_lib.train import TrainConfig, train_model
from glioma_lib.uncertainty import format_interval, paired_bootstrap, patient_bootstrap


def slice_frame(n_lgg=12, n_hgg=18, per=5, skill=2.0, seed=0) -> pd.DataFrame:
    """Slices of patients whose scores share a per-patient offset (correlated slices)."""
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(n_lgg + n_hgg):
        label = int(i >= n_lgg)
        centre = rng.normal(skill * (label - 0.5), 1.0)
        for _ in range(per):
            rows.append({"patient_id": f"P{i:03d}", "label": label,
                         "p": 1 / (1 + np.exp(-(centre + rng.normal(0, 0.2))))})
    return pd.DataFrame(rows)


def test_patient_bootstrap_interval_contains_value_and_ignores_slice_copies():
    frame = slice_frame()
    ci = patient_bootstrap(frame, "p", n_resamples=300, seed=1)
    assert list(ci.index) == ["accuracy", "sensitivity", "specificity", "f1", "auc"]
    assert ((ci["low"] <= ci["value"]) & (ci["value"] <= ci["high"])).all()
    assert (ci["high"] - ci["low"] > 0).all()
    # Copying every slice 4× adds no information: resampling patients keeps the width.
    copies = pd.concat([frame] * 4, ignore_index=True)
    ci4 = patient_bootstrap(copies, "p", n_resamples=300, seed=1)
    np.testing.assert_allclose(ci4[["low", "high"]], ci[["low", "high"]], atol=1e-9)


def test_patient_bootstrap_without_both_grades_or_patients_gives_no_interval():
    frame = slice_frame()
    one_grade = patient_bootstrap(frame[frame["label"] == 1], "p", n_resamples=50)
    assert one_grade["low"].isna().all() and np.isnan(one_grade.loc["auc", "value"])
    assert one_grade.loc["sensitivity", "value"] > 0
    two = frame[frame["patient_id"].isin(["P000", "P020"])]
    ci = patient_bootstrap(two, "p", n_resamples=50)
    assert ci["low"].isna().all() and ci["value"].notna().all()
    one_lgg = frame[(frame["label"] == 1) | (frame["patient_id"] == "P000")]
    assert patient_bootstrap(one_lgg, "p", n_resamples=50)["low"].notna().all()


def test_hard_predictions_override_the_threshold():
    frame = slice_frame().assign(always_hgg=1)
    ci = patient_bootstrap(frame, "p", "always_hgg", n_resamples=50)
    assert ci.loc["sensitivity", "value"] == 1.0 and ci.loc["specificity", "value"] == 0.0


def test_paired_bootstrap():
    frame = slice_frame(skill=3.0)
    same = paired_bootstrap(frame.assign(q=frame["p"]), "p", "q", n_resamples=200)
    assert same["difference"] == 0 and same["p_value"] == 1.0
    noise = np.random.default_rng(0).random(len(frame))
    better = paired_bootstrap(frame.assign(q=noise), "p", "q", n_resamples=500)
    assert better["difference"] > 0.3 and better["low"] > 0 and better["p_value"] < 0.01
    assert better["n_patients"] == 30


def test_format_interval():
    assert format_interval(0.5, 0.25, 0.75) == "50.0 % [25.0 %, 75.0 %]".replace(" ", "\u00a0")
    assert format_interval(0.5, np.nan, np.nan, percent=False) == "0.500\u00a0[n/a]"
    assert " " not in format_interval(0.123, 0.1, 0.2)  # never split over two lines


def test_shuffled_grades_stay_per_patient_and_keep_the_hgg_share():
    index = pd.DataFrame({"patient_id": np.repeat([f"P{i}" for i in range(40)], 3),
                          "grade": np.repeat(["LGG"] * 10 + ["HGG"] * 30, 3)})
    truth = (index["grade"] == "HGG").to_numpy().astype(int)
    shuffled = shuffle_grades_by_patient(index, seed=3)
    per_patient = pd.Series(shuffled).groupby(index["patient_id"]).nunique()
    assert (per_patient == 1).all()
    assert shuffled.sum() == truth.sum()
    assert (shuffled != truth).any()
    np.testing.assert_array_equal(shuffled, shuffle_grades_by_patient(index, seed=3))


def test_patient_level_grading():
    frame = pd.DataFrame({"patient_id": ["A", "A", "A", "B", "B"], "label": [1, 1, 1, 0, 0],
                          "p_t1": [0.9, 0.6, 0.1, 0.2, 0.4]})
    out = vote.patient_level(frame, ["p_t1"]).set_index("patient_id")
    assert out.loc["A", "p_t1"] == pytest.approx(1.6 / 3)
    assert out.loc["A", "vote_p_t1"] == pytest.approx(2 / 3)
    assert out.loc["B", "vote_p_t1"] == 0 and out.loc["B", "label"] == 0
    assert out["n_slices"].tolist() == [3, 2]


def test_early_fusion_stacks_sequences_as_channels():
    arrays = {s: np.full((4, 8, 8), k, np.uint8) for k, s in enumerate(("t1", "t2", "flair"))}
    fused = early_fusion(arrays)
    assert fused.shape == (4, 3, 8, 8)
    assert [int(fused[0, c, 0, 0]) for c in range(3)] == [0, 1, 2]
    with pytest.raises(ValueError, match="flair"):
        early_fusion({"t1": arrays["t1"], "t2": arrays["t2"]})
    with pytest.raises(ValueError, match="equal shapes"):
        early_fusion({**arrays, "t2": np.zeros((4, 9, 9), np.uint8)})


def test_offline_variants_of_fused_images_keep_channels_together():
    x = np.random.default_rng(0).integers(0, 255, (2, 3, 16, 16), dtype=np.uint8)
    v = offline_variants(x)
    assert v.shape == (2, 6, 3, 16, 16)
    np.testing.assert_array_equal(v[:, 1].numpy(), x[..., ::-1])  # horizontal flip
    images, labels = expand_offline(x, np.array([0, 1]))
    assert images.shape == (12, 3, 16, 16) and labels.tolist() == [0] * 6 + [1] * 6


def test_a_fusion_network_trains_on_three_channel_input(tmp_path):
    rng = np.random.default_rng(0)
    x = rng.integers(0, 255, (16, 3, 32, 32), dtype=np.uint8)
    y = np.arange(16) % 2
    model = create("googlenet", weights=None)
    cfg = TrainConfig(epochs=1, batch_size=8, seed=0, image_size=32)
    history = train_model(model, x, y, x[:4], y[:4], cfg, tmp_path)
    assert len(history) == 1 and np.isfinite(history["val_loss"]).all()


def test_calibration_bins_and_brier():
    labels = np.array([0, 0, 1, 1, 1, 0])
    probs = np.array([0.05, 0.15, 0.95, 0.85, 0.55, 0.45])
    bins = calibration.calibration_bins(labels, probs, n_bins=5)
    assert len(bins) == 5 and bins["n"].sum() == 6
    assert bins.loc[2, "n"] == 2 and bins.loc[2, "frac_hgg"] == 0.5  # 0.45 and 0.55
    assert bins.loc[4, "frac_hgg"] == 1.0 and np.isnan(bins.loc[1, "mean_prob"])
    assert calibration.brier([0, 1], [0.0, 1.0]) == 0
    assert calibration.brier([0, 1], [0.5, 0.5]) == pytest.approx(0.25)
    perfect = calibration.calibration_bins([0, 1], [0.0, 1.0], n_bins=2)
    assert calibration.expected_calibration_error(perfect) == 0
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        calibration.calibration_bins([0, 1], [0.2, 1.3])


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


def test_evaluation_tables():
    frame = slice_frame().assign(p_t1=lambda f: f["p"], p_t2=lambda f: 1 - f["p"],
                                 p_flair=lambda f: f["p"])
    frame = evaluation.with_votes(frame, ("t1", "t2", "flair"))
    hard = (frame["p"] >= 0.5).astype(int)
    np.testing.assert_array_equal(frame["hard_vote"], hard)
    # the hard vote is scored by its vote fraction, the soft vote by the mean probability
    assert np.allclose(frame["p_vote"], (2 * hard + (1 - hard)) / 3)
    assert np.allclose(frame["p_soft"], (2 * frame["p"] + 1 - frame["p"]) / 3)
    models = evaluation.model_columns(("t1", "t2", "flair"))
    assert models["vote"] == ("p_vote", "hard_vote") and models["T2WI"] == ("p_t2", None)
    assert models["soft vote"] == ("p_soft", None)
    worse = frame.assign(p_t1=1 - frame["p_t1"])  # protocol b: T1 inverted
    long = pd.concat([evaluation.metric_table(f, models, n_resamples=50, protocol=k)
                      for k, f in (("a", frame), ("b", worse))], ignore_index=True)
    assert set(long["protocol"]) == {"a", "b"} and len(long) == 2 * 5 * 5
    table = evaluation.wide(long, ["protocol", "model"])
    assert table.shape == (10, 5) and table.iloc[0, 0].endswith("%]")
    gap = evaluation.gap(long, "protocol", "a", "b")
    acc = long[long["metric"] == "accuracy"].set_index(["protocol", "model"])["value"]
    t1_gap = acc[("a", "T1WI")] - acc[("b", "T1WI")]
    assert gap["T1WI"] == pytest.approx(t1_gap) and t1_gap > 0.3
    assert gap["T2WI"] == 0


def test_table2_vote_row_describes_one_classifier():
    from sklearn.metrics import roc_auc_score

    frame = slice_frame()
    rng = np.random.default_rng(3)
    frame = frame.assign(**{f"p_{s}": np.clip(frame["p"] + rng.normal(0, 0.25, len(frame)),
                                              0, 1) for s in ("t1", "t2", "flair")})
    table = evaluation.table2(frame, ("t1", "t2", "flair"))
    votes = np.stack([(frame[f"p_{s}"] >= 0.5).astype(int) for s in ("t1", "t2", "flair")])
    fraction = votes.mean(0)
    assert table.loc[("vote", "ours"), "auc"] == pytest.approx(
        roc_auc_score(frame["label"], fraction))
    soft = frame[["p_t1", "p_t2", "p_flair"]].mean(1)
    assert table.loc[("soft vote", "ours"), "auc"] == pytest.approx(
        roc_auc_score(frame["label"], soft))
    assert table.loc[("vote", "ours"), "auc"] != table.loc[("soft vote", "ours"), "auc"]
    assert table.loc[("vote", "ours"), "TP"] == ((fraction > 0.5) & (frame["label"] == 1)).sum()
    assert ("vote", "paper") in table.index and ("soft vote", "paper") not in table.index
    assert set(evaluation.roc_curves(frame, ("t1", "t2", "flair"))) >= {
        "vote (vote fraction)", "soft vote (mean probability)"}


def test_best_single_sequence_is_chosen_on_validation_not_test():
    val = slice_frame().assign(p_t1=lambda f: f["p"], p_t2=lambda f: 1 - f["p"],
                               p_flair=0.5)
    name, aucs = evaluation.choose_on_validation(val, {"T1WI": "p_t1", "T2WI": "p_t2",
                                                       "FLAIR": "p_flair"})
    assert name == "T1WI" and aucs["T2WI"] < 0.5 and aucs["FLAIR"] == 0.5
    flipped = val.assign(p_t1=1 - val["p"], p_t2=val["p"])  # what a test split might say
    assert evaluation.choose_on_validation(flipped, {"T1WI": "p_t1", "T2WI": "p_t2"})[0] == "T2WI"
    name, aucs = evaluation.choose_on_validation(val[val["label"] == 1],
                                                 {"FLAIR": "p_flair", "T1WI": "p_t1"})
    assert name == "FLAIR" and aucs.isna().all()  # one grade: nothing to choose on


def test_sample_size_caveat_speaks_up_for_small_test_sets():
    assert "no conclusion" in sample_size_caveat(4)
    assert "no conclusion" not in sample_size_caveat(50)
