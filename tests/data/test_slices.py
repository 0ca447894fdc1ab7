"""Tests of glioma_lib.data.slices."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from conftest import SAMPLE, tiny_volumes, write_patient

from glioma_lib.data.brats import CohortError, index_cohort
from glioma_lib.data.slices import (
    early_fusion,
    largest_tumour_slice,
    load_slices,
    normalise,
    prepare_slices,
    slice_areas,
    tumour_window,
)


def _anatomy(shape=(24, 20, 16)) -> dict[str, np.ndarray]:
    """LPS-ordered volumes with a bright marker in the anterior part of the patient's left
    hemisphere (high i = left, low j = anterior in LPS voxel order)."""
    vols = tiny_volumes(0, shape=shape)
    for seq in ("t1", "t1ce", "t2", "flair"):
        vols[seq][17:20, 4:7, 6:9] = 400
    return vols


def test_window_centred_on_largest_slice():
    seg = np.zeros((4, 4, 100), np.uint8)
    seg[:2, :2, 50] = 1
    seg[:1, :1, 40:60] = 1
    w = tumour_window(seg, 20)
    assert w.tolist() == list(range(40, 60)) and 50 in w


def test_window_ties_take_lowest_index():
    seg = np.zeros((4, 4, 100), np.uint8)
    seg[:2, :2, 30] = 4
    seg[:2, :2, 70] = 2
    assert tumour_window(seg, 20)[0] == 20


@pytest.mark.parametrize("z_star, expected_start", [(0, 0), (5, 0), (154, 135), (150, 135)])
def test_window_shifted_inside_volume(z_star, expected_start):
    seg = np.zeros((4, 4, 155), np.uint8)
    seg[0, 0, z_star] = 1
    w = tumour_window(seg, 20)
    assert w[0] == expected_start and len(w) == 20 and z_star in w
    assert w.min() >= 0 and w.max() < 155


def test_window_errors():
    with pytest.raises(ValueError, match="empty segmentation"):
        tumour_window(np.zeros((4, 4, 30)), 20)
    seg = np.ones((4, 4, 10))
    with pytest.raises(ValueError, match="does not fit"):
        tumour_window(seg, 20)


def test_normalise_maps_brain_to_unit_range():
    vol = np.zeros((10, 10, 10), np.float32)
    vol[2:8, 2:8, 2:8] = np.linspace(100, 1000, 216).reshape(6, 6, 6)
    out = normalise(vol)
    assert out.min() == 0 and out.max() == 1
    assert (out[vol == 0] == 0).all()
    with pytest.raises(ValueError, match="empty image"):
        normalise(np.zeros((3, 3, 3)))


def test_prepare_slices_writes_aligned_arrays_and_reuses_cache(cohort_2019, tmp_path):
    cohort = index_cohort(cohort_2019)
    out = tmp_path / "slices"
    s = prepare_slices(cohort, out, ("t1", "t2", "flair"), n_slices=4, size=16, workers=2,
                       progress=False)
    assert s.array("t1").shape == (20, 16, 16) and s.array("t1").dtype == np.uint8
    assert s.array("mask").shape == (20, 16, 16)
    assert list(s.index.columns[:3]) == ["row", "patient_id", "grade"]
    assert (s.index.groupby("patient_id").size() == 4).all()
    assert s.labels.sum() == 12  # 3 HGG x 4 slices
    mtime = (out / "t1.npy").stat().st_mtime_ns
    again = prepare_slices(cohort, out, ("t1", "t2", "flair"), n_slices=4, size=16,
                           progress=False)
    assert (out / "t1.npy").stat().st_mtime_ns == mtime
    assert again.index.equals(load_slices(out).index)
    # A different size is a different manifest: recomputed.
    prepare_slices(cohort, out, ("t1", "t2", "flair"), n_slices=4, size=8, progress=False)
    assert load_slices(out).array("t1").shape == (20, 8, 8)


def test_prepare_slices_skips_or_raises_on_bad_patient(cohort_2019, tmp_path):
    vols = tiny_volumes()
    vols["flair"][3, 3, 3] = np.inf
    write_patient(cohort_2019 / "HGG", "BraTS19_TST_000_9", vols)
    cohort = index_cohort(cohort_2019)  # headers are fine
    with pytest.raises(CohortError, match="NaN or Inf"):
        prepare_slices(cohort, tmp_path / "a", n_slices=4, size=16, workers=1, progress=False)
    assert not (tmp_path / "a" / "manifest.json").exists()
    s = prepare_slices(cohort, tmp_path / "b", n_slices=4, size=16, workers=1,
                       on_error="skip", progress=False)
    assert [k["patient_id"] for k in s.skipped] == ["BraTS19_TST_000_9"]
    assert "BraTS19_TST_000_9" not in set(s.index.patient_id)


@pytest.mark.parametrize("order", ["C", "F"])
def test_slice_areas_count_labels_per_axial_slice(order):
    rng = np.random.default_rng(0)
    seg = np.asarray(rng.choice([0, 0, 0, 1, 2, 4], size=(9, 7, 11)).astype(np.uint8), order=order)
    expected = (seg > 0).reshape(-1, 11).sum(0) if order == "C" else (seg > 0).sum((0, 1))
    assert np.array_equal(slice_areas(seg), expected)
    assert slice_areas(np.zeros((3, 3, 4))).tolist() == [0, 0, 0, 0]


def test_largest_tumour_slice_is_the_window_centre():
    seg = np.zeros((6, 6, 50), np.uint8)
    seg[:2, :2, 30] = 1
    seg[:3, :3, 33] = 2
    seg[:3, :3, 40] = 4  # a tie: the lower index wins
    assert largest_tumour_slice(seg) == 33
    assert tumour_window(seg, 20)[10] == 33
    with pytest.raises(ValueError, match="empty segmentation"):
        largest_tumour_slice(np.zeros((3, 3, 5)))


def test_slices_are_radiological_whatever_the_stored_orientation(tmp_path):
    """The same anatomy stored LPS (as BraTS) and RAS (as other tools write it) gives the same
    slices, with anterior at the top and the patient's left on the image's right."""
    import nibabel as nib

    from glioma_lib.data.nifti_write import BRATS_AFFINE

    lps = _anatomy()
    ras = {k: np.ascontiguousarray(v[::-1, ::-1, :]) for k, v in lps.items()}
    ras_affine = np.diag([1.0, 1.0, 1.0, 1.0])
    ras_affine[:3, 3] = (-23, -19, 0)
    for name, vols, affine in (("LPS", lps, BRATS_AFFINE), ("RAS", ras, ras_affine)):
        folder = tmp_path / "cohort" / "HGG" / f"BraTS19_{name}_001_1"
        folder.mkdir(parents=True)
        for key, data in vols.items():
            nib.save(nib.Nifti1Image(data, affine), folder / f"BraTS19_{name}_001_1_{key}.nii.gz")
    cohort = index_cohort(tmp_path / "cohort")
    out = prepare_slices(cohort, tmp_path / "slices", ("t1", "flair"), n_slices=4, size=20,
                         workers=1, progress=False)
    t1 = out.array("t1")
    assert np.array_equal(t1[:4], t1[4:])  # both patients identical
    key = t1[int(np.argmax(t1.reshape(len(t1), -1).max(1)))]
    rows, cols = np.nonzero(key == key.max())
    assert rows.mean() < key.shape[0] / 2  # anterior: top half
    assert cols.mean() > key.shape[1] / 2  # patient's left: right half


def test_killed_rebuild_never_leaves_a_manifest_that_vouches_for_mixed_outputs(
        tmp_path, monkeypatch):
    import glioma_lib.data.slices as slices_mod

    def cohort_of(seed: int):
        root = tmp_path / f"cohort{seed}"
        for i in range(2):
            write_patient(root / "HGG", f"BraTS19_K{seed}_{i}_1", tiny_volumes(seed * 10 + i))
        return index_cohort(root)

    a, b = cohort_of(1), cohort_of(2)
    out = tmp_path / "slices"
    first = np.array(prepare_slices(a, out, ("t1",), 4, 16, workers=1, progress=False)
                     .array("t1"))

    def killed(*args, **kwargs):
        raise KeyboardInterrupt  # killed after the .npy files, before index.csv

    monkeypatch.setattr(slices_mod, "save_csv", killed)
    with pytest.raises(KeyboardInterrupt):
        prepare_slices(b, out, ("t1",), 4, 16, workers=1, progress=False)
    monkeypatch.undo()
    again = prepare_slices(a, out, ("t1",), 4, 16, workers=1, progress=False)
    assert np.array_equal(np.array(again.array("t1")), first)
    assert set(again.index["patient_id"]) == set(a["patient_id"])


@pytest.mark.skipif(not SAMPLE.is_dir(), reason="../shared/brats-sample (real BraTS files) is "
                    "not beside this checkout")
def test_real_brats_slices_are_radiological():
    """Real BraTS volumes: the frontal lobe (anterior) lies at the top of a stored slice."""
    from glioma_lib.data.brats import load_patient
    from glioma_lib.data.slices import patient_slices

    cohort = index_cohort(SAMPLE)
    row = cohort.iloc[0]
    vols = load_patient(row, ("t1",))
    slices, window, _ = patient_slices(vols, ("t1",), 4, 240)
    brain = slices["t1"][2] > 0
    rows = np.nonzero(brain.any(1))[0]
    cols = np.nonzero(brain.any(0))[0]
    # an axial brain is longer front-to-back than left-to-right: rows span more than columns
    assert np.ptp(rows) > np.ptp(cols)
    import nibabel as nib

    raw = np.asarray(nib.load(row["t1"]).dataobj)
    assert np.array_equal(vols["t1"], raw.astype(np.float32))  # stored LPS: no reorientation


def test_early_fusion_stacks_sequences_as_channels():
    arrays = {s: np.full((4, 8, 8), k, np.uint8) for k, s in enumerate(("t1", "t2", "flair"))}
    fused = early_fusion(arrays)
    assert fused.shape == (4, 3, 8, 8)
    assert [int(fused[0, c, 0, 0]) for c in range(3)] == [0, 1, 2]
    with pytest.raises(ValueError, match="flair"):
        early_fusion({"t1": arrays["t1"], "t2": arrays["t2"]})
    with pytest.raises(ValueError, match="equal shapes"):
        early_fusion({**arrays, "t2": np.zeros((4, 9, 9), np.uint8)})


def test_blank_tumour_zeroes_exactly_the_grown_mask():
    from glioma_lib.data.slices import blank_tumour

    images = np.full((2, 9, 9), 200, np.uint8)
    masks = np.zeros((2, 9, 9), np.uint8)
    masks[0, 4, 4] = 2
    out = blank_tumour(images, masks, dilate_px=1)
    assert out[0].sum() == 200 * (81 - 5)  # the pixel and its 4 neighbours
    assert out[0, 4, 4] == 0 and out[0, 3, 4] == 0 and out[0, 3, 3] == 200
    assert (out[1] == 200).all() and (images == 200).all()  # input untouched
    fused = blank_tumour(np.stack([images] * 3, axis=1), masks, dilate_px=0)
    assert (fused[0, :, 4, 4] == 0).all() and fused.sum() == 200 * (2 * 81 * 3 - 3)
    with pytest.raises(ValueError, match="do not match"):
        blank_tumour(images, masks[:1])


def _threads_seen() -> tuple[int, list[int]]:
    from threadpoolctl import threadpool_info

    return torch.get_num_threads(), [pool["num_threads"] for pool in threadpool_info()]


def test_worker_initialiser_limits_torch_and_blas_to_one_thread():
    # two workers whose BLAS each started a thread per core made the cohort 1.8x slower
    from concurrent.futures import ProcessPoolExecutor

    from glioma_lib.config import single_thread_worker

    with ProcessPoolExecutor(1, initializer=single_thread_worker) as pool:
        torch_threads, blas_threads = pool.submit(_threads_seen).result()
    assert torch_threads == 1
    assert blas_threads and set(blas_threads) == {1}


def test_slice_key_travels_with_a_moved_cohort_and_sees_content(cohort_2019, tmp_path):
    """The slice stage's key names files relative to the cohort's root and by content: a cohort
    copied elsewhere (new paths, new modification times) keeps it; one changed voxel does not."""
    import shutil

    from glioma_lib.data.slices import slice_manifest

    seqs = ("t1", "t2", "flair")
    before = slice_manifest(index_cohort(cohort_2019), seqs, 4, 32)
    moved = tmp_path / "elsewhere" / "copy"
    shutil.copytree(cohort_2019, moved)  # copytree keeps mtimes: touch them too
    for f in moved.rglob("*.nii*"):
        f.touch()
    assert slice_manifest(index_cohort(moved), seqs, 4, 32) == before
    patient = next(moved.rglob("*_1"))
    vols = tiny_volumes(1)
    write_patient(patient.parent, patient.name, vols)
    assert slice_manifest(index_cohort(moved), seqs, 4, 32)["cohort"] != before["cohort"]
