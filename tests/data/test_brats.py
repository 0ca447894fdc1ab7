"""Tests of glioma_lib.data.brats."""

import gzip

import nibabel as nib
import numpy as np
import pytest
from conftest import tiny_volumes, write_patient

from glioma_lib.data.brats import (
    CohortError,
    cohort_report,
    index_cohort,
    load_patient,
    load_volume,
)


def _corrupt(root, pid, how):
    folder = next(root.glob(f"*/{pid}"))
    if how == "missing":
        (folder / f"{pid}_flair.nii.gz").unlink()
    elif how == "truncated":
        path = folder / f"{pid}_t2.nii.gz"
        data = path.read_bytes()
        path.write_bytes(data[: len(data) // 2])
    elif how == "shape":
        vols = tiny_volumes(shape=(24, 24, 17))
        nib.save(nib.Nifti1Image(vols["t1"], np.eye(4)), folder / f"{pid}_t1.nii.gz")
    elif how == "affine":
        nib.save(nib.Nifti1Image(tiny_volumes()["t1"], np.diag([2.0, 1, 1, 1])),
                 folder / f"{pid}_t1.nii.gz")
    elif how == "nan":
        v = tiny_volumes()["flair"]
        v[5, 5, 5] = np.nan
        nib.save(nib.Nifti1Image(v, np.eye(4)), folder / f"{pid}_flair.nii.gz")
    elif how == "empty_mask":
        nib.save(nib.Nifti1Image(np.zeros((24, 24, 16), np.uint8), np.eye(4)),
                 folder / f"{pid}_seg.nii.gz")
    elif how == "not_gzip":
        (folder / f"{pid}_t1ce.nii.gz").write_bytes(b"this is not a gzip file at all" * 20)
    elif how == "4d":
        nib.save(nib.Nifti1Image(np.zeros((24, 24, 16, 2), np.float32), np.eye(4)),
                 folder / f"{pid}_t1.nii.gz")
    return folder


CASES = {
    "missing": "missing flair file",
    "truncated": "truncated or corrupt",
    "shape": "shape",
    "affine": "affine differs",
    "nan": "NaN or Inf",
    "empty_mask": "empty tumour mask",
    "not_gzip": "unreadable",
    "4d": "3-D",
}


def test_index_2019_layout(cohort_2019):
    df = index_cohort(cohort_2019)
    assert list(df.columns) == ["patient_id", "grade", "t1", "t1ce", "t2", "flair", "seg"]
    assert len(df) == 5
    assert sorted(df.grade.value_counts().items()) == [("HGG", 3), ("LGG", 2)]
    assert df.attrs["skipped"] == []
    row = df.iloc[0]
    assert row["t1"].endswith(f"{row['patient_id']}_t1.nii.gz")


def test_index_2020_layout_with_nii_and_odd_seg(cohort_2020):
    df = index_cohort(cohort_2020, check="full")
    assert len(df) == 4
    assert dict(zip(df.patient_id, df.grade, strict=False))["BraTS20_Training_001"] == "LGG"
    odd = df.set_index("patient_id").loc["BraTS20_Training_355", "seg"]
    assert odd.endswith("W39_1998.09.19_Segm.nii")
    report = cohort_report(df)
    assert "oddly named" in report.loc[report.patient_id == "BraTS20_Training_355", "reason"].item()


def test_not_a_cohort(tmp_path):
    with pytest.raises(CohortError, match="name_mapping.csv"):
        index_cohort(tmp_path)
    with pytest.raises(CohortError, match="not a folder"):
        index_cohort(tmp_path / "nope")


@pytest.mark.parametrize("how", sorted(CASES))
def test_bad_patient_raises_naming_file_and_problem(cohort_2019, how):
    pid = "BraTS19_TST_003_1"
    folder = _corrupt(cohort_2019, pid, how)
    with pytest.raises(CohortError) as info:
        index_cohort(cohort_2019, check="full")
    assert CASES[how] in info.value.problem
    assert str(folder) in info.value.path


@pytest.mark.parametrize("how", sorted(CASES))
def test_bad_patient_skipped_and_reported(cohort_2019, how):
    pid = "BraTS19_TST_003_1"
    _corrupt(cohort_2019, pid, how)
    df = index_cohort(cohort_2019, on_error="skip", check="full")
    assert pid not in set(df.patient_id) and len(df) == 4
    report = cohort_report(df)
    assert report.patient_id.tolist() == [pid]
    assert CASES[how] in report.reason.item()


def test_header_check_finds_mismatch_without_loading(cohort_2019):
    _corrupt(cohort_2019, "BraTS19_TST_000_1", "shape")
    with pytest.raises(CohortError, match="shape"):
        index_cohort(cohort_2019)  # check="header" by default


def test_unknown_grade_and_duplicates(cohort_2020, cohort_2019):
    csv = cohort_2020 / "name_mapping.csv"
    csv.write_text(csv.read_text().replace("LGG,BraTS19_X_0", "GBM,BraTS19_X_0"))
    with pytest.raises(CohortError, match="unknown grade 'GBM'"):
        index_cohort(cohort_2020)
    df = index_cohort(cohort_2020, on_error="skip")
    assert [s["patient_id"] for s in df.attrs["skipped"]] == ["BraTS20_Training_001"]

    write_patient(cohort_2019 / "HGG", "BraTS19_TST_000_1")  # also under LGG/
    with pytest.raises(CohortError, match="duplicate patient id"):
        index_cohort(cohort_2019)


def test_unlisted_patient_2020(cohort_2020):
    write_patient(cohort_2020, "BraTS20_Training_999")
    with pytest.raises(CohortError, match="not listed in name_mapping.csv"):
        index_cohort(cohort_2020)


def test_load_patient_types(cohort_2019):
    row = index_cohort(cohort_2019).iloc[0]
    vols = load_patient(row, ["t1", "flair"])
    assert set(vols) == {"t1", "flair", "seg"}
    assert vols["t1"].dtype == np.float32 and vols["seg"].dtype == np.uint8
    assert vols["t1"].shape == (24, 24, 16)


def test_load_volume_missing_and_empty(tmp_path):
    with pytest.raises(CohortError, match="file not found"):
        load_volume(tmp_path / "x.nii.gz")
    (tmp_path / "e.nii.gz").write_bytes(b"")
    with pytest.raises(CohortError, match="empty file"):
        load_volume(tmp_path / "e.nii.gz")
    p = tmp_path / "g.nii.gz"
    with gzip.open(p, "wb") as f:
        f.write(b"\0" * 10)
    with pytest.raises(CohortError, match="unreadable"):
        load_volume(p)


def test_volumes_are_read_in_canonical_lps_orientation(tmp_path):
    import nibabel as nib

    from glioma_lib.data.brats import CANONICAL, display_slice, load_volume, to_canonical

    data = np.arange(4 * 5 * 3, dtype=np.float32).reshape(4, 5, 3)
    lps = np.diag([-1.0, -1.0, 1.0, 1.0])
    assert to_canonical(data, lps) is data
    ras = np.eye(4)
    assert np.array_equal(to_canonical(data, ras), data[::-1, ::-1, :])
    # axes stored as (S, L, A): reordered and flipped
    sla = np.array([[0, -1.0, 0, 0], [0, 0, 1.0, 0], [1.0, 0, 0, 0], [0, 0, 0, 1]])
    sla_data = np.transpose(data[:, ::-1, :], (2, 0, 1))
    nib.save(nib.Nifti1Image(sla_data, sla), tmp_path / "v.nii.gz")
    loaded = load_volume(tmp_path / "v.nii.gz")
    assert nib.aff2axcodes(sla) == ("S", "L", "A") and CANONICAL == ("L", "P", "S")
    assert np.array_equal(loaded, data)
    assert display_slice(data[..., 0]).shape == (5, 4)  # rows: A→P, columns: R→L


def test_cohort_report_lists_patients_skipped_later(cohort_2019):
    report = cohort_report(index_cohort(cohort_2019),
                           [{"patient_id": "X", "file": "x.nii.gz", "reason": "empty mask"}])
    assert report.loc[report["patient_id"] == "X", "status"].tolist() == ["skipped"]
