"""Tests of glioma_lib.data.splits."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from glioma_lib.data.splits import (
    patient_kfold,
    patient_split,
    shared_patients,
    shuffle_grades_by_patient,
    slice_split,
    split_counts,
)


def paper_index(n_lgg=76, n_hgg=259, n_slices=20) -> pd.DataFrame:
    grades = ["LGG"] * n_lgg + ["HGG"] * n_hgg
    rows = [{"patient_id": f"P{i:03d}", "grade": g, "slice_index": z}
            for i, g in enumerate(grades) for z in range(n_slices)]
    df = pd.DataFrame(rows)
    df.insert(0, "row", np.arange(len(df)))
    return df


def test_paper_split_sizes_match_the_paper():
    split = slice_split(6700, seed=1)
    counts = {k: int((split == k).sum()) for k in ("train", "val", "test")}
    assert counts == {"train": 4690, "val": 1005, "test": 1005}


def test_paper_split_is_seeded_and_leaks_patients():
    idx = paper_index()
    a, b = slice_split(len(idx), seed=3), slice_split(len(idx), seed=3)
    assert (a == b).all() and not (a == slice_split(len(idx), seed=4)).all()
    leaked = shared_patients(idx, a)
    assert len(leaked) > 300  # nearly every test patient also trains


def test_patient_split_never_crosses_and_is_stratified():
    idx = paper_index()
    split = patient_split(idx, seed=0)
    assert shared_patients(idx, split) == set()
    assert shared_patients(idx, split, "train", "val") == set()
    assert shared_patients(idx, split, "val", "test") == set()
    per_patient = idx.assign(split=split).groupby("patient_id").split.nunique()
    assert (per_patient == 1).all()
    test = idx[split == "test"].drop_duplicates("patient_id")
    assert len(test) in (50, 51)
    assert abs((test.grade == "LGG").mean() - 76 / 335) < 0.03


def test_kfold_assigns_each_patient_once():
    idx = paper_index(10, 20, 3)
    folds = patient_kfold(idx, k=5, seed=0)
    assert set(folds) == set(range(5))
    assert (idx.assign(f=folds).groupby("patient_id").f.nunique() == 1).all()
    per_fold_lgg = idx.assign(f=folds).drop_duplicates("patient_id").groupby("f").grade.apply(
        lambda g: (g == "LGG").sum())
    assert per_fold_lgg.tolist() == [2, 2, 2, 2, 2]


def test_split_counts_table():
    idx = paper_index(4, 6, 2)
    table = split_counts(idx, patient_split(idx, (0.6, 0.2, 0.2), seed=0))
    assert table[("slices", "total")].sum() == 20
    assert table[("patients", "total")].sum() == 10


def test_bad_fractions():
    with pytest.raises(ValueError, match="sum to 1"):
        slice_split(10, (0.5, 0.2, 0.2))


@pytest.mark.parametrize("n_lgg, n_hgg", [(2, 2), (1, 3), (3, 3)])
def test_tiny_cohorts_still_get_train_val_and_test(n_lgg, n_hgg):
    ids = [f"L{i}" for i in range(n_lgg)] + [f"H{i}" for i in range(n_hgg)]
    index = pd.DataFrame({"patient_id": np.repeat(ids, 4),
                          "grade": np.repeat(["LGG"] * n_lgg + ["HGG"] * n_hgg, 4)})
    split = patient_split(index, seed=1)
    assert set(split) == {"train", "val", "test"}
    assert set(index.loc[split == "train", "grade"]) == {"LGG", "HGG"}
    assert not shared_patients(index, split)


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


def test_fold_splits_test_every_patient_exactly_once_with_both_grades():
    from glioma_lib.data.splits import fold_split

    idx = paper_index(20, 40, 4)
    folds = patient_kfold(idx, k=5, seed=1)
    tested = []
    for fold in range(5):
        split = fold_split(idx, folds, fold, seed=1)
        by_patient = pd.Series(split, index=idx["patient_id"]).groupby(level=0).unique()
        assert all(len(s) == 1 for s in by_patient)  # a patient's slices stay together
        test = idx.loc[split == "test"]
        tested += sorted(set(test["patient_id"]))
        # grade-stratified: each test fold holds about a fifth of each grade
        counts = test.groupby("grade")["patient_id"].nunique()
        assert counts["LGG"] == 4 and counts["HGG"] == 8
        assert set(idx.loc[split == "val", "grade"]) == {"LGG", "HGG"}
    assert sorted(tested) == sorted(set(idx["patient_id"]))  # each patient tested once
    with pytest.raises(ValueError, match="fold 7"):
        fold_split(idx, folds, 7)


def test_leave_site_out_tests_on_unseen_sites_holding_both_grades():
    from glioma_lib.data.sites import assign_sites
    from glioma_lib.data.splits import leave_site_out

    sites = assign_sites(76, 259, seed=0)  # the real BraTS 2019 site x grade counts
    idx = pd.DataFrame({"patient_id": [f"P{i:03d}" for i in range(len(sites))
                                       for _ in range(2)],
                        "grade": np.repeat(sites["grade"].to_numpy(), 2)})
    site = np.repeat(sites["site"].to_numpy(), 2)
    split = leave_site_out(idx, site, seed=3)
    frame = idx.assign(split=split, site=site)
    test_sites = set(frame.loc[frame.split == "test", "site"])
    assert test_sites and not test_sites & set(frame.loc[frame.split != "test", "site"])
    assert set(frame.loc[frame.split == "test", "grade"]) == {"HGG", "LGG"}
    assert set(frame.loc[frame.split == "val", "grade"]) == {"HGG", "LGG"}
    assert frame.groupby("patient_id")["split"].nunique().max() == 1
    assert 0.05 < (frame.split == "test").mean() < 0.5
    one_grade_per_site = pd.DataFrame({"patient_id": ["a", "b", "c", "d"],
                                       "grade": ["HGG", "HGG", "LGG", "LGG"]})
    with pytest.raises(ValueError, match="both grades"):
        leave_site_out(one_grade_per_site, np.array(["X", "X", "Y", "Y"]), k=2)


def test_a_tiny_cohort_gets_fewer_folds_and_still_a_validation_patient():
    from glioma_lib.data.splits import fold_split, patient_kfold

    idx = pd.DataFrame({"patient_id": ["a", "a", "b", "c", "d"],
                        "grade": ["LGG", "LGG", "LGG", "HGG", "HGG"]})
    folds = patient_kfold(idx, k=5, seed=0)  # 2 patients per grade: 2 folds
    assert sorted(set(folds.tolist())) == [0, 1]
    for fold in (0, 1):
        split = fold_split(idx, folds, fold)
        frame = idx.assign(split=split)
        assert set(frame.loc[frame.split == "test", "grade"]) == {"LGG", "HGG"}
        assert (split == "val").any() and (split == "train").any()
        assert frame.groupby("patient_id")["split"].nunique().max() == 1
    with pytest.raises(ValueError, match="2 patients of each grade"):
        patient_kfold(idx[idx.patient_id != "c"], k=3)
