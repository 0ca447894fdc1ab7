"""Tests of glioma_lib.data.synth_shapes and synth_tumour: real tumour outlines for the
generator, fitted on the calibration set only."""

import json
from pathlib import Path

import numpy as np
import pytest

from glioma_lib.data import synth, synth_shapes, synth_tumour
from glioma_lib.data.synth_shapes import AZIMUTH, POLAR

SHARED = Path(__file__).resolve().parents[2].parent / "shared"
SAMPLE, EXTERNAL = SHARED / "brats-sample", SHARED / "brats-external"


def _ball(radius: float, size: int = 64) -> np.ndarray:
    grid = np.indices((size,) * 3) - size // 2
    return np.sqrt((grid ** 2).sum(0)) <= radius


def test_radial_profile_of_nested_balls_gives_their_radii():
    seg = np.zeros((64, 64, 64), np.uint8)
    seg[_ball(20)] = 2
    seg[_ball(10)] = 1
    prof = {k: np.asarray(v) for k, v in synth_shapes.radial_profile(seg).items()}
    assert prof["core"].shape == (POLAR, AZIMUTH)
    assert np.allclose(prof["core"], 9.6, atol=1.0) and np.allclose(prof["whole"], 19.5, atol=1.0)
    assert synth_shapes.equivalent_radius(prof["whole"]) == pytest.approx(19.5, abs=1.0)
    with pytest.raises(ValueError, match="no tumour core"):
        synth_shapes.radial_profile(np.where(seg == 2, 2, 0).astype(np.uint8))


def test_shape_radii_reads_the_direction_of_each_voxel():
    grid = np.full((POLAR, AZIMUTH), 5.0, np.float32)
    grid[: POLAR // 2] = 9.0  # the upper half (polar angle below 90°) reaches farther
    axis = [np.zeros((1, 1, 1), np.float32), np.zeros((1, 1, 1), np.float32),
            np.array([10.0, -10.0], np.float32).reshape(1, 1, 2)]
    up, down = synth_shapes.shape_radii((grid,), axis)[0].ravel()
    assert up == pytest.approx(9.0) and down == pytest.approx(5.0)


def test_committed_shapes_come_from_the_calibration_set_only():
    table = json.loads(synth_shapes.SHAPES_FILE.read_text())
    shapes = synth_shapes.real_shapes()
    assert sorted(s["grade"] for s in shapes) == ["HGG", "HGG", "LGG", "LGG"]
    assert table["source"].startswith("calibration set")
    if EXTERNAL.is_dir():
        external = {p.name for p in EXTERNAL.glob("*/*") if p.is_dir()}
        assert not external & {s["patient_id"] for s in shapes}


@pytest.mark.skipif(not SAMPLE.is_dir(), reason="../shared/brats-sample (the calibration set) "
                    "absent: the committed shapes cannot be refitted here")
def test_committed_shapes_are_what_the_fit_gives_on_the_calibration_set():
    from glioma_lib.data.brats import index_cohort

    cohort = index_cohort(SAMPLE)
    fitted = synth_shapes.fit_shapes([(r.patient_id, r.grade, r.seg)
                                      for r in cohort.itertuples()])
    assert fitted == json.loads(synth_shapes.SHAPES_FILE.read_text())


def test_a_drawn_outline_is_a_resized_blend_of_real_shapes():
    rng = np.random.default_rng(4)
    cfg = synth.SynthConfig()
    grades = {s["patient_id"]: s["grade"] for s in synth_shapes.real_shapes()}
    for grade in ("HGG", "LGG"):
        spec = synth_tumour._draw_tumour(rng, grade, "CBICA", cfg)
        assert grades[spec.shape] == grade and spec.shape_other in grades
        assert cfg.shape_blend[0] <= spec.shape_weight <= cfg.shape_blend[1]
        outline = synth_tumour.tumour_outline(spec)
        assert synth_shapes.equivalent_radius(outline["core"]) == pytest.approx(
            spec.core_radius_mm, rel=1e-4)
        assert np.all(outline["whole"] >= outline["core"])


def test_the_generated_tumour_follows_its_outline():
    vols, spec = synth.synth_patient("HGG", seed=2, index=0, site="CBICA")
    core = np.isin(vols["seg"], (1, 4)).sum()
    expected = 4 / 3 * np.pi * spec.core_radius_mm ** 3
    assert 0.5 * expected < core < 1.5 * expected  # deformed, clipped to the brain


def test_the_shapes_ship_with_the_package(tmp_path):
    """A wheel (the container, `pip install .`) carries tumour_shapes.json: the generator
    needs it and the real segmentations do not ship."""
    import subprocess
    import sys
    import zipfile

    root = Path(__file__).resolve().parents[2]
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                    "-q", "-w", str(tmp_path), str(root)], check=True, capture_output=True)
    wheel = next(tmp_path.glob("*.whl"))
    assert "glioma_lib/data/tumour_shapes.json" in zipfile.ZipFile(wheel).namelist()
