"""Tests of glioma_lib.data.synth."""

import numpy as np
import pandas as pd
import pytest
from scipy import ndimage

from glioma_lib.data import (
    synth,
    synth_anatomy,
    synth_calibration,
    synth_cohort,
    synth_scanner,
)
from glioma_lib.data.brats import index_cohort, load_patient
from glioma_lib.data.nifti_write import BRATS_AFFINE


@pytest.fixture(scope="module")
def small_cohort(tmp_path_factory):
    root = tmp_path_factory.mktemp("synth") / "cohort"
    truth = synth_cohort.make_cohort(root, n_lgg=1, n_hgg=2, seed=7, workers=2, progress=False)
    return root, truth


def _mean(vol, mask):
    return float(vol[mask].mean())


def test_make_cohort_layout_is_read_by_index_cohort(small_cohort):
    root, truth = small_cohort
    df = index_cohort(root, check="full")
    assert sorted(df.grade) == ["HGG", "HGG", "LGG"]
    assert (root / "name_mapping.csv").exists() and (root / "synthetic_truth.csv").exists()
    assert not root.with_name("cohort.partial").exists()
    vols = load_patient(df.iloc[0])
    assert vols["t1"].shape == synth_anatomy.SHAPE
    assert set(np.unique(vols["seg"])) <= {0, 1, 2, 4}
    for seq in ("t1", "t1ce", "t2", "flair"):
        assert vols[seq].min() == 0 and vols[seq].max() > 100  # skull-stripped, scaled


def test_make_cohort_refuses_existing_root(small_cohort):
    root, _ = small_cohort
    with pytest.raises(FileExistsError, match="already exists"):
        synth_cohort.make_cohort(root, 1, 1)


def test_patients_are_reproducible_and_distinct():
    a, spec_a = synth.synth_patient("HGG", seed=3, index=0)
    b, _ = synth.synth_patient("HGG", seed=3, index=0)
    c, _ = synth.synth_patient("HGG", seed=3, index=1)
    assert np.array_equal(a["flair"], b["flair"]) and np.array_equal(a["seg"], b["seg"])
    assert not np.array_equal(a["t1"], c["t1"])
    assert spec_a.grade == "HGG"


def test_contrast_follows_tissue_classes():
    vols, _ = synth.synth_patient("LGG", seed=1, index=2)
    tpl = synth_anatomy.template()
    healthy = vols["seg"] == 0
    wm = (tpl["wm"] > 0.9) & healthy
    gm = (tpl["gm"] > 0.7) & healthy
    csf = (tpl["csf"] > 0.9) & healthy
    t1, t2, flair = vols["t1"], vols["t2"], vols["flair"]
    assert _mean(t1, wm) > _mean(t1, gm) > _mean(t1, csf)          # T1: WM > GM > CSF
    assert _mean(t2, csf) > _mean(t2, gm) > _mean(t2, wm)          # T2: CSF > GM > WM
    assert _mean(flair, csf) < _mean(flair, wm)                    # FLAIR: CSF suppressed
    # lesion bright on FLAIR against the white matter around it (the bias field, the site's
    # coil pattern with the patient's own, varies across the brain far more than locally)
    near = ndimage.binary_dilation(vols["seg"] > 0, iterations=15) & wm
    assert _mean(flair, vols["seg"] > 0) > _mean(flair, near)


def test_grades_differ_in_typical_features():
    cfg = synth.SynthConfig()
    rng = np.random.default_rng(0)
    lgg = [synth._draw_tumour(rng, "LGG", 0, cfg) for _ in range(200)]
    hgg = [synth._draw_tumour(rng, "HGG", 0, cfg) for _ in range(200)]
    assert np.mean([t.necrosis for t in hgg]) > 0.6 and not any(t.necrosis for t in lgg)
    assert 0.2 < np.mean([t.enhancing == "patch" for t in lgg]) < 0.7     # overlap exists
    assert all(t.enhancing == "rim" for t in hgg)  # but only HGG have a full rim
    def reach(t):  # the oedema's reach beyond the core, relative to the core
        outline = synth.tumour_outline(t)
        return float(np.median(outline["whole"] / outline["core"]))

    hgg_reach, lgg_reach = [reach(t) for t in hgg], [reach(t) for t in lgg]
    assert np.mean(hgg_reach) > np.mean(lgg_reach)
    assert max(lgg_reach) > min(hgg_reach)  # overlap


def test_synthetic_files_carry_the_real_brats_affine_and_header_codes(small_cohort):
    import nibabel as nib

    root, _ = small_cohort
    row = index_cohort(root).iloc[0]
    img, seg = nib.load(row["t1"]), nib.load(row["seg"])
    assert np.allclose(img.affine, BRATS_AFFINE)
    assert nib.aff2axcodes(img.affine) == ("L", "P", "S")
    assert (int(img.header["qform_code"]), int(img.header["sform_code"])) == (2, 1)
    assert (int(seg.header["qform_code"]), int(seg.header["sform_code"])) == (1, 1)
    assert img.get_data_dtype() == np.int16
    config = synth_cohort.read_cohort_config(root)
    assert config == synth_cohort.cohort_config(1, 2, 7)
    assert config["generator_version"] == synth.GENERATOR_VERSION


def test_interrupted_generation_resumes_per_patient(tmp_path, monkeypatch):
    root = tmp_path / "cohort"
    real = synth.synth_patient
    calls = []

    def dies_on_second(*args, **kwargs):
        calls.append(args)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return real(*args, **kwargs)

    monkeypatch.setattr(synth_cohort, "synth_patient", dies_on_second)
    with pytest.raises(KeyboardInterrupt):
        synth_cohort.make_cohort(root, 1, 1, seed=3, workers=1, progress=False)
    assert not root.exists()
    partial = root.with_name("cohort.partial")
    done = sorted(partial.glob("*/*/.done"))
    assert len(done) == 1
    first = next(done[0].parent.glob("*_t1.nii.gz"))
    stamp = first.stat().st_mtime_ns
    monkeypatch.setattr(synth_cohort, "synth_patient", real)
    calls.clear()
    synth_cohort.make_cohort(root, 1, 1, seed=3, workers=1, progress=False)
    moved = root / first.relative_to(partial)
    assert moved.stat().st_mtime_ns == stamp  # the finished patient was not generated again
    assert len(index_cohort(root)) == 2 and not list(root.glob("*/*/.done"))
    assert len(pd.read_csv(root / "synthetic_truth.csv")) == 2


def test_one_pass_warp_matches_scipys_trilinear_sampling():
    from scipy import ndimage

    from glioma_lib.data.synth_anatomy import _warp

    rng = np.random.default_rng(0)
    maps = {k: rng.random((20, 24, 18), dtype=np.float32) for k in ("a", "b")}
    coords = np.stack([rng.uniform(0, s - 1, (5, 6, 7)) for s in (20, 24, 18)]).astype(
        np.float32)
    ours = _warp(maps, coords)
    for k, volume in maps.items():
        ref = ndimage.map_coordinates(volume, coords, order=1, mode="constant")
        assert ours[k].shape == (5, 6, 7)
        np.testing.assert_allclose(ours[k], ref, atol=1e-5)
    flat = _warp(maps, coords.reshape(3, -1))["a"]  # any coordinate layout
    np.testing.assert_allclose(flat, ours["a"].ravel(), atol=1e-6)


def test_smooth_noise_crop_is_the_same_block_of_the_same_field():
    from scipy import ndimage

    from glioma_lib.data.synth_anatomy import _smooth_noise

    shape, grid = (30, 40, 25), (5, 6, 4)
    full = _smooth_noise(np.random.default_rng(3), grid, shape)
    coarse = np.random.default_rng(3).standard_normal(grid).astype(np.float32)
    zoomed = ndimage.zoom(coarse, [s / g for s, g in zip(shape, grid, strict=True)], order=1,
                          grid_mode=True, mode="nearest")  # what version 2 computed
    np.testing.assert_allclose(full, zoomed, atol=1e-5)  # torch trilinear = zoom, grid mode
    crop = (slice(3, 9), slice(10, 31), slice(0, 25))
    part = _smooth_noise(np.random.default_rng(3), grid, shape, crop)
    np.testing.assert_allclose(part, full[crop], atol=1e-5)


def test_bounding_box_grows_by_the_margin_and_stays_in_bounds():
    from glioma_lib.data.synth_anatomy import _bounding_box

    inside = np.zeros((10, 10, 10), bool)
    inside[1, 4:6, 8] = True
    assert _bounding_box(inside, 2) == (slice(0, 4), slice(2, 8), slice(6, 10))
    assert _bounding_box(np.zeros((3, 3, 3), bool), 1) == (slice(0, 0),) * 3


def test_isal_gzip_files_read_back_exactly(tmp_path):
    import gzip

    import nibabel as nib

    from glioma_lib.data.nifti_write import nifti, save_nifti_gz

    data = np.asfortranarray(np.random.default_rng(0).integers(0, 3000, (12, 10, 8),
                                                               dtype=np.int16))
    path = save_nifti_gz(nifti(data), tmp_path / "x_flair.nii.gz")
    assert gzip.decompress(path.read_bytes())[344:348] == b"n+1\x00"  # a standard gzip NIfTI
    img = nib.load(path)
    np.testing.assert_array_equal(np.asanyarray(img.dataobj), data)
    assert int(img.header["qform_code"]) == 2 and img.get_data_dtype() == np.int16
    assert path.read_bytes() == save_nifti_gz(nifti(data), tmp_path / "y.nii.gz").read_bytes()


def test_patients_are_named_and_signed_by_their_brats19_site(small_cohort):
    from glioma_lib.data.sites import BRATS19_SITE_GRADES, site_in_id

    root, truth = small_cohort
    mapping = pd.read_csv(root / "name_mapping.csv", dtype=str)
    assert list(mapping.columns) == ["Grade", "BraTS_2019_subject_ID", "Site"]
    for _, row in mapping.iterrows():  # ids like the real release, the site in the id
        assert site_in_id(row["BraTS_2019_subject_ID"]) == row["Site"]
        assert row["Site"] in BRATS19_SITE_GRADES
        hgg, lgg = BRATS19_SITE_GRADES[row["Site"]]  # confounded: a site that has the grade
        assert (hgg if row["Grade"] == "HGG" else lgg) > 0
    assert len(set(mapping["BraTS_2019_subject_ID"])) == len(mapping)


def test_site_signature_is_one_draw_per_site_within_the_ranges():
    cfg = synth.SynthConfig()
    table = synth_scanner.site_signatures(2022, cfg)
    assert len(table) == 14 and table.loc["CBICA"].to_dict() == synth_scanner.site_signature(
        "CBICA", 2022, cfg)
    assert list(table.columns) == list(synth_scanner.SIGNATURE)
    for knob in synth_scanner.SIGNATURE:
        lo, hi = getattr(cfg, f"site_{knob}")
        assert table[knob].between(lo, hi).all()
    assert table["gain"].max() / table["gain"].min() > 5  # scanner scales differ widely
    assert synth_scanner.site_signature("CBICA", 1) != synth_scanner.site_signature(
        "CBICA", 2022)


def test_site_signature_reaches_the_images():
    cfg = synth.SynthConfig()
    sites = synth_scanner.site_signatures(3, cfg)
    lo, hi = sites["gain"].idxmin(), sites["gain"].idxmax()
    dark, _ = synth.synth_patient("HGG", seed=3, index=0, cfg=cfg, site=lo)
    bright, spec = synth.synth_patient("HGG", seed=3, index=0, cfg=cfg, site=hi)
    assert spec.site == hi
    ratio = np.median(bright["t1"][bright["t1"] > 0]) / np.median(dark["t1"][dark["t1"] > 0])
    assert ratio > 0.5 * sites["gain"][hi] / sites["gain"][lo]
    assert np.array_equal(dark["seg"], bright["seg"])  # the site changes the images only


def test_site_tissue_contrast_survives_the_books_normalisation():
    """The positive control's premise: after the per-volume percentile normalisation of the
    slice stage, the grey-white contrast still differs between sites (their protocols weight
    the tissues differently), unlike the intensity scale, which the normalisation removes."""
    from glioma_lib.data.sites import BRATS19_SITE_GRADES
    from glioma_lib.data.slices import normalise

    cfg = synth.SynthConfig()
    weight = {s: synth_scanner.site_tissue_contrast(s, 5, cfg) for s in BRATS19_SITE_GRADES}
    ratio = {s: w["wm"]["t1"] / w["gm"]["t1"] for s, w in weight.items()}
    flat, steep = min(ratio, key=ratio.get), max(ratio, key=ratio.get)
    tpl = synth_anatomy.template()

    def contrast(site):
        vols, _ = synth.synth_patient("LGG", seed=5, index=1, cfg=cfg, site=site)
        norm = normalise(vols["t1"].astype(np.float32))
        healthy = vols["seg"] == 0
        return (norm[(tpl["wm"] > 0.9) & healthy].mean()
                - norm[(tpl["gm"] > 0.7) & healthy].mean())

    assert contrast(steep) > 1.5 * contrast(flat) > 0


def test_a_sites_bias_field_shape_is_shared_and_a_scan_jitters_its_signature():
    cfg = synth.SynthConfig()
    assert np.array_equal(synth_scanner.site_bias_field("TMC", 4),
                          synth_scanner.site_bias_field("TMC", 4))
    assert not np.array_equal(synth_scanner.site_bias_field("TMC", 4),
                              synth_scanner.site_bias_field("CBICA", 4))
    signature = synth_scanner.site_signature("TMC", 4, cfg)
    scans = [synth_scanner.scan_of(np.random.default_rng(i), signature, cfg) for i in range(20)]
    gammas = np.array([s["gamma"] for s in scans])
    assert len(set(gammas)) == 20
    assert np.all(np.abs(np.log(gammas / signature["gamma"])) <= cfg.scan_jitter + 1e-9)
    assert all(s["slice_mm"] >= 1.0 for s in scans)


def test_in_plane_resolution_blurs_in_plane_only():
    image = np.zeros((9, 9, 3), np.float32)
    image[4, 4, 1] = 9.0
    assert synth_scanner.blur_in_plane(image, 1.2) is image
    blurred = synth_scanner.blur_in_plane(image, 3.0)
    np.testing.assert_allclose(blurred[3:6, 3:6, 1], 1.0, rtol=1e-6)
    assert blurred[:, :, 0].max() == 0 and blurred[:, :, 2].max() == 0


def test_thick_slices_blur_along_the_axial_axis_only():
    from glioma_lib.data.synth_anatomy import _through_plane

    mask = np.ones((4, 4, 12), bool)
    values = np.zeros(mask.shape, np.float32)
    values[:, :, 6] = 5.0
    same = _through_plane(values[mask], mask, 1.2)
    assert np.array_equal(same, values[mask])
    thick = _through_plane(values[mask], mask, 3.0).reshape(mask.shape)
    np.testing.assert_allclose(thick[0, 0, 5:8], 5 / 3, rtol=1e-6)
    assert thick[0, 0, 4] == 0 and np.allclose(thick, thick[:1, :1])  # nothing in-plane


def test_site_confounding_knob_changes_the_cohort_identity():
    on, off = synth.SynthConfig(), synth.SynthConfig(site_confounded=False)
    assert synth_cohort.cohort_config(3, 3, 1, on) != synth_cohort.cohort_config(3, 3, 1, off)


def test_calibration_table_holds_the_before_and_after_of_every_moved_knob():
    cfg, before = synth.SynthConfig(), synth_calibration.uncalibrated_config()
    assert synth_calibration.CALIBRATION, "the calibration is documented"
    for knob, (old, new, why) in synth_calibration.CALIBRATION.items():
        assert getattr(cfg, knob) == new and getattr(before, knob) == old and why
        assert old != new


def test_calibration_table_lists_each_moved_knob_and_contrast():
    table = synth_calibration.calibration_table()
    assert list(table.columns) == ["before", "after", "why"]
    assert table.loc["lgg_core_radius_mm", "before"] == "(9.0, 22.0)"
    assert "contrast oedema flair" in table.index and "contrast wm t1" not in table.index
    assert (table["before"] != table["after"]).all()
