"""Shared fixtures: tiny BraTS-layout cohorts written on the fly."""

from __future__ import annotations

import os
from pathlib import Path

import nibabel as nib
import numpy as np
import pandas as pd
import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("MPLBACKEND", "Agg")

#: The real BraTS sample beside the checkout (tests that need it skip where it is absent).
SAMPLE = Path(__file__).resolve().parents[1].parent / "shared" / "brats-sample"
SHAPE = (24, 24, 16)
AFFINE = np.diag([1.0, 1.0, 1.0, 1.0])


def tiny_volumes(seed: int = 0, shape=SHAPE, tumour_z=(6, 9)) -> dict[str, np.ndarray]:
    """Four sequences with a bright square 'tumour' and its mask on slices tumour_z."""
    rng = np.random.default_rng(seed)
    brain = np.zeros(shape, np.float32)
    brain[3:-3, 3:-3, 1:-1] = 1
    seg = np.zeros(shape, np.uint8)
    seg[8:14, 8:14, tumour_z[0]:tumour_z[1]] = 1
    seg[9:13, 9:13, tumour_z[0] + 1] = 4
    vols = {}
    for i, seq in enumerate(("t1", "t1ce", "t2", "flair")):
        v = brain * (100 + 10 * i) + rng.normal(0, 5, shape).astype(np.float32) * brain
        v[seg > 0] += 80
        vols[seq] = np.abs(v).astype(np.float32)
    vols["seg"] = seg
    return vols


def write_patient(folder: Path, pid: str, vols=None, suffix=".nii.gz", names=None) -> Path:
    """Write one patient folder ``folder/pid/pid_<key><suffix>``."""
    vols = vols or tiny_volumes(hash(pid) % 1000)
    out = folder / pid
    out.mkdir(parents=True, exist_ok=True)
    for key, data in vols.items():
        name = (names or {}).get(key, f"{pid}_{key}{suffix}")
        nib.save(nib.Nifti1Image(data, AFFINE), out / name)
    return out


def tiny_cohort(root: Path, site: str, shape=None) -> Path:
    """14 tiny patients (6 LGG, 8 HGG) named ``BraTS19_<site>_<i>_1`` in the BraTS 2019 layout
    under ``root``; ``shape``: each patient's volumes drawn by :func:`tiny_volumes` (seed i)."""
    for i in range(14):
        vols = None if shape is None else tiny_volumes(i, shape=shape)
        write_patient(root / ("LGG" if i < 6 else "HGG"), f"BraTS19_{site}_{i:03d}_1", vols)
    return root


@pytest.fixture
def cohort_2019(tmp_path) -> Path:
    """A BraTS 2019 layout: 2 LGG + 3 HGG tiny patients."""
    root = tmp_path / "MICCAI_BraTS_2019_Data_Training"
    for i in range(2):
        write_patient(root / "LGG", f"BraTS19_TST_{i:03d}_1")
    for i in range(2, 5):
        write_patient(root / "HGG", f"BraTS19_TST_{i:03d}_1")
    return root


@pytest.fixture
def cohort_2020(tmp_path) -> Path:
    """A BraTS 2020 flat layout with name_mapping.csv, .nii files and one odd seg name."""
    root = tmp_path / "MICCAI_BraTS2020_TrainingData"
    rows = ["Grade,BraTS_2019_subject_ID,BraTS_2020_subject_ID"]
    for i, grade in enumerate(["LGG", "HGG", "HGG"]):
        pid = f"BraTS20_Training_{i + 1:03d}"
        write_patient(root, pid, suffix=".nii")
        rows.append(f"{grade},BraTS19_X_{i},{pid}")
    pid = "BraTS20_Training_355"
    write_patient(root, pid, names={"seg": "W39_1998.09.19_Segm.nii"})
    rows.append(f"HGG,,{pid}")
    (root / "name_mapping.csv").write_text("\n".join(rows) + "\n")
    return root


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


@pytest.fixture(scope="module")
def unit_data(tmp_path_factory):
    """A 14-patient tiny cohort prepared under a small unit profile (its own results)."""
    tmp = tmp_path_factory.mktemp("exp")
    root = tiny_cohort(tmp / "MICCAI_BraTS_2019_Data_Training", "EXP")
    from dataclasses import replace

    from glioma_lib.config import get_profile
    from glioma_lib.data.stages import prepare_data

    mp = pytest.MonkeyPatch()
    mp.setenv("GLIOMA_RESULTS", str(tmp / "results"))
    profile = replace(get_profile("smoke"), name="unit", image_size=32, epochs=1,
                      extra_epochs=2, batch_size=8, workers=1)
    yield prepare_data(profile, root, progress=False)
    mp.undo()


def run_killable(script: str, cohort: Path, results: Path, out: Path, kill_when=None):
    """Run ``script`` (argv: cohort, out) in a fresh Python with its own results folder; with
    ``kill_when`` (anything with ``exists()``), SIGKILL it once that exists and return its
    return code."""
    import os
    import signal
    import subprocess
    import sys
    import time

    env = {**os.environ, "GLIOMA_RESULTS": str(results), "OMP_NUM_THREADS": "1"}
    proc = subprocess.Popen([sys.executable, "-c", script, str(cohort), str(out)], env=env)
    if kill_when is None:
        assert proc.wait(timeout=600) == 0
        return None
    deadline = time.monotonic() + 600
    while not kill_when.exists():
        assert proc.poll() is None, "finished before it could be killed"
        assert time.monotonic() < deadline
        time.sleep(0.01)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    return proc.returncode


class FirstFile:
    """A path-like whose ``exists()`` is true once a file matching ``pattern`` appears under
    ``root`` (a run's folder is named by its content: the tests need not know the key)."""

    def __init__(self, root: Path, pattern: str):
        self.root, self.pattern = Path(root), pattern

    def exists(self) -> bool:
        return self.root.exists() and any(self.root.glob(self.pattern))
