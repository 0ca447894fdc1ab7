"""Tests of glioma_lib.data.realism: scale-free statistics of a patient's images."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from glioma_lib.data.realism import compare, nawm_mask, patient_stats


def _phantom(scale: float = 1.0, noise: float = 0.02, seed: int = 0) -> dict[str, np.ndarray]:
    """A brain-like phantom: sphere of 'white matter' (T1 bright) with a grey shell and a
    tumour (oedema around a core) whose intensities are known ratios of white matter."""
    rng = np.random.default_rng(seed)
    z, y, x = np.mgrid[:40, :48, :44]
    r = np.sqrt((z - 20) ** 2 + (y - 24) ** 2 + (x - 22) ** 2)
    brain = r < 18
    seg = np.zeros(r.shape, np.uint8)
    rt = np.sqrt((z - 20) ** 2 + (y - 30) ** 2 + (x - 22) ** 2)
    seg[(rt < 7) & brain] = 2
    seg[(rt < 4) & brain] = 1
    out = {"seg": seg}
    for seq, (wm, gm, oedema, core) in {"t1": (1.0, 0.6, 0.5, 0.4),
                                          "t2": (0.5, 0.7, 0.9, 1.0),
                                          "flair": (0.5, 0.6, 1.0, 0.8)}.items():
        v = np.where(r < 12, wm, gm) * brain
        v = np.where(seg == 2, oedema, np.where(seg == 1, core, v))
        v = (v + noise * rng.standard_normal(v.shape)) * brain
        out[seq] = (np.clip(v, 0, None) * 1000 * scale).astype(np.float32)
    return out


def test_ratios_recover_the_phantoms_contrast_whatever_the_scanner_scale():
    a, b = patient_stats(_phantom(1.0)), patient_stats(_phantom(20.0))  # a 20× site scale
    assert a["flair_ratio_2"] == pytest.approx(2.0, rel=0.05)  # oedema / WM on FLAIR
    assert a["t1_ratio_1"] == pytest.approx(0.4, rel=0.05)
    assert np.isnan(a["t1_ratio_4"])  # no enhancing label in the phantom
    for key in ("flair_ratio_2", "t2_wm_cv", "flair_skew", "t1_glcm_homogeneity"):
        assert a[key] == pytest.approx(b[key], rel=1e-3), key
    assert a["fraction_1"] + a["fraction_2"] == pytest.approx(1.0)
    assert a["tumour_cm3"] == pytest.approx((_phantom()["seg"] > 0).sum() / 1000)


def test_noise_shows_in_white_matter_variation():
    quiet, noisy = patient_stats(_phantom(noise=0.01)), patient_stats(_phantom(noise=0.1))
    assert noisy["t1_wm_cv"] > 3 * quiet["t1_wm_cv"]
    assert 0 < quiet["flair_glcm_homogeneity"] <= 1


def test_white_matter_proxy_stays_away_from_the_tumour_and_edge():
    vols = _phantom()
    wm = nawm_mask(vols, vols["seg"])
    assert wm.any() and not (wm & (vols["seg"] > 0)).any()
    assert np.median(vols["t1"][wm]) == pytest.approx(1000, rel=0.05)  # the bright class


def test_compare_puts_sources_side_by_side():
    rows = [{"source": s, "grade": g, "patient_id": f"{s}{i}", "x": float(i)}
            for s in ("real", "synthetic, calibrated", "before") for g in ("LGG", "HGG")
            for i in range(3)]
    table = compare(pd.DataFrame(rows))
    assert list(table.columns) == ["real HGG", "real LGG", "synthetic, calibrated HGG",
                                   "synthetic, calibrated LGG", "before HGG", "before LGG"]
    assert table.loc["x"].tolist() == [1.0] * 6 and table.loc["patients"].tolist() == [3] * 6
