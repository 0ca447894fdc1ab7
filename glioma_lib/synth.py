"""A synthetic BraTS-2019-layout cohort on real anatomy (MNI152 2009a, shipped by nilearn).

No BraTS download is possible offline, so this is the embedded default data. Every knob is
a field of :class:`SynthConfig`; every random draw comes from the cohort seed and the
patient's index, so a cohort is reproducible file for file.

Per patient: a smooth random deformation and small affine of the MNI152 GM/WM/CSF maps;
a tumour of irregular shape (noise-modulated ellipsoid) in the cerebral white matter with
mass effect; BraTS labels (1 = necrotic / non-enhancing core, 2 = oedema, 4 = enhancing);
tissue-class contrast per sequence; per-patient contrast jitter, per-site gain, gamma, bias
field and noise. HGG: necrotic core, enhancing rim, large oedema, heterogeneous. LGG: mostly
non-enhancing, homogeneous, small oedema. The grades overlap on purpose (HGG without
necrosis, LGG with large oedema or an enhancing patch) so grading is a real task.
"""

from __future__ import annotations

import os
import shutil
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from pathlib import Path

import nibabel as nib
import numpy as np
import pandas as pd
from scipy import ndimage

from .config import SEQUENCES_ALL
from .store import save_csv, write_json

SHAPE = (240, 240, 155)  # BraTS: 1 mm isotropic, axial = last axis

# Mean intensity (0..1 scale, before site gain) of each tissue class per sequence.
TISSUE_CONTRAST: dict[str, dict[str, float]] = {
    #            T1     T1ce   T2     FLAIR
    "csf":      {"t1": 0.22, "t1ce": 0.24, "t2": 1.00, "flair": 0.08},
    "gm":       {"t1": 0.55, "t1ce": 0.56, "t2": 0.62, "flair": 0.62},
    "wm":       {"t1": 0.80, "t1ce": 0.78, "t2": 0.45, "flair": 0.48},
    "oedema":   {"t1": 0.45, "t1ce": 0.45, "t2": 0.86, "flair": 0.95},
    "core":     {"t1": 0.38, "t1ce": 0.40, "t2": 0.90, "flair": 0.84},  # non-enhancing
    "necrosis": {"t1": 0.20, "t1ce": 0.21, "t2": 0.98, "flair": 0.42},
    "enhancing": {"t1": 0.50, "t1ce": 1.15, "t2": 0.70, "flair": 0.78},
}
LESIONS = ("oedema", "core", "necrosis", "enhancing")
LESION_LABEL = {"oedema": 2, "core": 1, "necrosis": 1, "enhancing": 4}


@dataclass(frozen=True)
class SynthConfig:
    """Every knob of the synthetic cohort, in one place (units: mm, degrees, fractions)."""

    warp_mm: float = 3.0            # amplitude of the smooth random deformation
    warp_grid: tuple[int, int, int] = (6, 7, 6)  # control points of the deformation
    rotation_deg: float = 5.0       # max rotation about each axis
    scale_range: tuple[float, float] = (0.94, 1.06)
    shift_mm: float = 4.0
    hgg_core_radius_mm: tuple[float, float] = (12.0, 26.0)
    lgg_core_radius_mm: tuple[float, float] = (9.0, 22.0)
    shape_irregularity: float = 0.30  # relative radius modulation by smooth noise
    mass_effect: float = 0.35         # tissue push at the tumour edge, fraction of radius
    hgg_oedema_scale: tuple[float, float] = (1.5, 2.3)  # oedema radius / core radius
    lgg_oedema_scale: tuple[float, float] = (1.05, 1.35)
    lgg_large_oedema_scale: tuple[float, float] = (1.5, 2.1)
    p_hgg_no_necrosis: float = 0.20
    p_lgg_large_oedema: float = 0.25
    p_lgg_enhancing_patch: float = 0.15
    hgg_heterogeneity: float = 0.16
    lgg_heterogeneity: float = 0.06
    contrast_jitter: float = 0.08     # per patient, per tissue and sequence
    n_sites: int = 4
    site_gain: tuple[float, float] = (700.0, 1600.0)
    site_gamma: tuple[float, float] = (0.85, 1.15)
    site_noise: tuple[float, float] = (0.012, 0.035)
    site_bias: tuple[float, float] = (0.05, 0.20)
    tissue_contrast: dict = field(default_factory=lambda: TISSUE_CONTRAST)


# --------------------------------------------------------------------------- anatomy
def _window(array: np.ndarray, centre: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Crop/pad ``array`` to ``shape`` centred on ``centre`` (zeros outside)."""
    out = np.zeros(shape, dtype=np.float32)
    src, dst = [], []
    for c, n, size in zip(centre, shape, array.shape, strict=True):
        start = int(round(c)) - n // 2
        s0, s1 = max(start, 0), min(start + n, size)
        src.append(slice(s0, s1))
        dst.append(slice(s0 - start, s1 - start))
    out[tuple(dst)] = array[tuple(src)]
    return out


@lru_cache(maxsize=1)
def template() -> dict[str, np.ndarray]:
    """MNI152 2009a GM, WM, CSF and brain mask on the BraTS 240×240×155 grid (cached)."""
    from nilearn import datasets

    mask = datasets.load_mni152_brain_mask(resolution=1).get_fdata(dtype=np.float32)
    gm = datasets.load_mni152_gm_template(resolution=1).get_fdata(dtype=np.float32)
    wm = datasets.load_mni152_wm_template(resolution=1).get_fdata(dtype=np.float32)
    nz = np.argwhere(mask > 0.5)
    centre = (nz.min(0) + nz.max(0)) / 2
    mask, gm, wm = (_window(a, centre, SHAPE) for a in (mask, gm, wm))
    mask = (mask > 0.5).astype(np.float32)
    gm, wm = gm * mask, wm * mask
    csf = np.clip(mask - gm - wm, 0, 1)
    # Plausible tumour sites: deep in the cerebrum, in white matter.
    depth = ndimage.distance_transform_edt(mask > 0)
    zs = np.argwhere(mask > 0)[:, 2]
    z_low = zs.min() + 0.40 * (zs.max() - zs.min())  # above the cerebellum / brainstem
    allowed = (wm > 0.5) & (depth > 8)
    allowed[:, :, : int(z_low)] = False
    return {"gm": gm, "wm": wm, "csf": csf, "mask": mask, "depth": depth.astype(np.float32),
            "allowed": allowed}


def _smooth_noise(rng: np.random.Generator, grid: tuple[int, ...], shape: tuple[int, ...]):
    """Smooth random field in about [-1, 1]: coarse normal noise, linearly upsampled."""
    coarse = rng.standard_normal(grid).astype(np.float32)
    return ndimage.zoom(coarse, [s / g for s, g in zip(shape, grid, strict=True)], order=1,
                        grid_mode=True, mode="nearest")[tuple(slice(0, s) for s in shape)]


def _affine_matrix(rng, cfg: SynthConfig) -> np.ndarray:
    angles = np.deg2rad(rng.uniform(-cfg.rotation_deg, cfg.rotation_deg, 3))
    cx, cy, cz = np.cos(angles)
    sx, sy, sz = np.sin(angles)
    rx = np.array([[1, 0, 0], [0, cx, -sx], [0, sx, cx]])
    ry = np.array([[cy, 0, sy], [0, 1, 0], [-sy, 0, cy]])
    rz = np.array([[cz, -sz, 0], [sz, cz, 0], [0, 0, 1]])
    return (rz @ ry @ rx) @ np.diag(rng.uniform(*cfg.scale_range, 3))


# --------------------------------------------------------------------------- one patient
@dataclass
class TumourSpec:
    """The drawn characteristics of one synthetic tumour (kept as ground truth)."""

    grade: str
    centre: tuple[float, float, float]
    core_radius_mm: float
    oedema_scale: float
    necrosis: bool
    enhancing: str  # "rim", "patch" or "none"
    heterogeneity: float
    site: int


def _draw_tumour(rng, grade: str, site: int, cfg: SynthConfig) -> TumourSpec:
    tpl = template()
    if grade == "HGG":
        radius = rng.uniform(*cfg.hgg_core_radius_mm)
        necrosis = rng.random() >= cfg.p_hgg_no_necrosis
        enhancing = "rim"
        oedema = rng.uniform(*cfg.hgg_oedema_scale)
        hetero = cfg.hgg_heterogeneity
    else:
        radius = rng.uniform(*cfg.lgg_core_radius_mm)
        necrosis = False
        enhancing = "patch" if rng.random() < cfg.p_lgg_enhancing_patch else "none"
        large = rng.random() < cfg.p_lgg_large_oedema
        oedema = rng.uniform(*(cfg.lgg_large_oedema_scale if large else cfg.lgg_oedema_scale))
        hetero = cfg.lgg_heterogeneity
    candidates = np.argwhere(tpl["allowed"] & (tpl["depth"] > 0.6 * radius))
    if len(candidates) == 0:
        candidates = np.argwhere(tpl["allowed"])
    centre = tuple(float(v) for v in candidates[rng.integers(len(candidates))])
    return TumourSpec(grade, centre, float(radius), float(oedema), bool(necrosis), enhancing,
                      float(hetero), site)


def _site_params(seed: int, cfg: SynthConfig) -> list[dict[str, float]]:
    rng = np.random.default_rng([seed, 999_999])
    return [{"gain": rng.uniform(*cfg.site_gain), "gamma": rng.uniform(*cfg.site_gamma),
             "noise": rng.uniform(*cfg.site_noise), "bias": rng.uniform(*cfg.site_bias)}
            for _ in range(cfg.n_sites)]


def synth_patient(
    grade: str, seed: int, index: int, cfg: SynthConfig | None = None
) -> tuple[dict[str, np.ndarray], TumourSpec]:
    """Generate one patient: ``{t1, t1ce, t2, flair: int16, seg: uint8}`` and its tumour spec."""
    cfg = cfg or SynthConfig()
    rng = np.random.default_rng([seed, index])
    tpl = template()
    site = int(rng.integers(cfg.n_sites))
    site_p = _site_params(seed, cfg)[site]
    spec = _draw_tumour(rng, grade, site, cfg)

    # Work inside the (dilated) brain bounding box only: the rest is background.
    nz = np.argwhere(tpl["mask"] > 0)
    lo = np.maximum(nz.min(0) - 8, 0)
    hi = np.minimum(nz.max(0) + 9, SHAPE)
    box = tuple(int(b - a) for a, b in zip(lo, hi, strict=True))
    grid = np.meshgrid(*[np.arange(a, b, dtype=np.float32) for a, b in zip(lo, hi, strict=True)],
                       indexing="ij")
    centre_brain = (nz.min(0) + nz.max(0)) / 2
    matrix = _affine_matrix(rng, cfg)
    shift = rng.uniform(-cfg.shift_mm, cfg.shift_mm, 3)
    tc = np.asarray(spec.centre, dtype=np.float32)
    rel_t = [g - c for g, c in zip(grid, tc, strict=True)]
    dist_t = np.sqrt(rel_t[0] ** 2 + rel_t[1] ** 2 + rel_t[2] ** 2) + 1e-3
    push = cfg.mass_effect * spec.core_radius_mm * np.exp(-((dist_t / (1.5 * spec.core_radius_mm))
                                                             ** 2))
    coords = []
    for axis in range(3):
        rel = [g - c for g, c in zip(grid, centre_brain, strict=True)]
        src = sum(matrix[axis, j] * rel[j] for j in range(3)) + centre_brain[axis] + shift[axis]
        src += cfg.warp_mm * _smooth_noise(rng, cfg.warp_grid, box)
        src -= push * rel_t[axis] / dist_t  # mass effect: sample from nearer the centre
        coords.append(src)
    coords = np.stack(coords)
    del grid, rel_t
    warped = {k: ndimage.map_coordinates(tpl[k], coords, order=1, mode="constant")
              for k in ("gm", "wm", "csf", "mask")}
    del coords
    mask = warped["mask"] > 0.5

    # Tumour regions by normalised radius rho (irregular ellipsoid), in the box frame.
    axes = rng.uniform(0.75, 1.25, 3)
    irregular = 1 + cfg.shape_irregularity * _smooth_noise(rng, (5, 5, 5), box)
    rel = [(np.arange(a, b, dtype=np.float32) - c) / ax
           for a, b, c, ax in zip(lo, hi, tc, axes, strict=True)]
    rho = np.sqrt(rel[0][:, None, None] ** 2 + rel[1][None, :, None] ** 2
                  + rel[2][None, None, :] ** 2) / (spec.core_radius_mm * irregular)
    patch = _smooth_noise(rng, (7, 7, 7), box)
    wm_like = warped["wm"] > 0.35
    regions = {
        "oedema": (rho < spec.oedema_scale) & (wm_like | (rho < 1.15)),
        "core": rho < 1.0,
        "necrosis": np.zeros(box, bool),
        "enhancing": np.zeros(box, bool),
    }
    if spec.necrosis:
        regions["necrosis"] = rho < rng.uniform(0.40, 0.60)
    if spec.enhancing == "rim":
        inner = rng.uniform(0.50, 0.70) if spec.necrosis else rng.uniform(0.0, 0.5)
        regions["enhancing"] = (rho < 1.0) & (rho >= inner) & (patch > -0.8)
    elif spec.enhancing == "patch":
        regions["enhancing"] = (rho < 1.0) & (patch > 0.9)
    regions = {k: v & mask for k, v in regions.items()}
    seg = np.zeros(box, np.uint8)
    seg[regions["oedema"]] = 2
    seg[regions["core"]] = 1
    seg[regions["enhancing"]] = 4
    seg[regions["necrosis"] & ~regions["enhancing"]] = 1

    # Soft weights (partial volume) of healthy tissue and lesion kinds.
    texture = _smooth_noise(rng, (24, 24, 20), box)
    soft = {k: ndimage.gaussian_filter(v.astype(np.float32), 0.8) for k, v in regions.items()}
    lesion_w = soft["oedema"]
    kind_w = {
        "oedema": np.clip(soft["oedema"] - soft["core"], 0, 1),
        "core": np.clip(soft["core"] - soft["necrosis"] - soft["enhancing"], 0, 1),
        "necrosis": np.clip(soft["necrosis"] - soft["enhancing"], 0, 1),
        "enhancing": soft["enhancing"],
    }
    kind_sum = sum(kind_w.values()) + 1e-6
    tissue_sum = warped["gm"] + warped["wm"] + warped["csf"] + 1e-6
    bias = np.exp(site_p["bias"] * _smooth_noise(rng, (3, 3, 3), box))
    volumes: dict[str, np.ndarray] = {}
    for seq in SEQUENCES_ALL:
        jit = {t: 1 + cfg.contrast_jitter * rng.uniform(-1, 1) for t in cfg.tissue_contrast}
        mu = {t: cfg.tissue_contrast[t][seq] * jit[t] for t in cfg.tissue_contrast}
        healthy = (warped["gm"] * mu["gm"] + warped["wm"] * mu["wm"]
                   + warped["csf"] * mu["csf"]) / tissue_sum
        lesion = sum(kind_w[k] * mu[k] for k in LESIONS) / kind_sum
        lesion = lesion * (1 + spec.heterogeneity * texture)
        img = (1 - lesion_w) * healthy + lesion_w * lesion
        img = np.clip(img * bias, 0, None) ** site_p["gamma"]
        img += site_p["noise"] * rng.standard_normal(box, dtype=np.float32)
        img = np.abs(img) * mask * site_p["gain"] * rng.uniform(0.9, 1.1)
        full = np.zeros(SHAPE, np.int16)
        full[lo[0]:hi[0], lo[1]:hi[1], lo[2]:hi[2]] = np.clip(img, 0, 32767).astype(np.int16)
        volumes[seq] = full
    full_seg = np.zeros(SHAPE, np.uint8)
    full_seg[lo[0]:hi[0], lo[1]:hi[1], lo[2]:hi[2]] = seg
    volumes["seg"] = full_seg
    return volumes, spec


# --------------------------------------------------------------------------- cohort
AFFINE = np.array([[1.0, 0, 0, -120.0], [0, 1.0, 0, -120.0], [0, 0, 1.0, -77.0], [0, 0, 0, 1]])


def patient_id(index: int, site: int | None = None) -> str:
    """BraTS-2019-like id of a synthetic patient: ``BraTS19_SYN_001_1``."""
    return f"BraTS19_SYN_{index + 1:03d}_1"


def _write_patient(args: tuple) -> dict:
    out_dir, grade, seed, index, cfg = args
    volumes, spec = synth_patient(grade, seed, index, cfg)
    pid = patient_id(index)
    folder = Path(out_dir) / grade / pid
    folder.mkdir(parents=True, exist_ok=True)
    for key, data in volumes.items():
        img = nib.Nifti1Image(data, AFFINE)
        img.header.set_xyzt_units("mm", "sec")
        nib.save(img, folder / f"{pid}_{key}.nii.gz")
    return {"patient_id": pid, **{k: v for k, v in asdict(spec).items() if k != "centre"},
            "centre_x": spec.centre[0], "centre_y": spec.centre[1], "centre_z": spec.centre[2],
            "tumour_voxels": int((volumes["seg"] > 0).sum())}


def make_cohort(
    root: str | Path, n_lgg: int, n_hgg: int, seed: int = 2022,
    cfg: SynthConfig | None = None, workers: int | None = None, progress: bool = True,
) -> pd.DataFrame:
    """Write a synthetic cohort in the BraTS 2019 layout under ``root``; return its truth table.

    ``root/HGG/<id>/<id>_{t1,t1ce,t2,flair,seg}.nii.gz``, ``root/LGG/...``,
    ``root/name_mapping.csv`` and ``root/synthetic_truth.csv`` (the drawn tumour of each
    patient). Written into ``<root>.partial`` and renamed at the end, so an interrupted run
    never leaves a half cohort at ``root``. An existing ``root`` is refused.
    """
    from tqdm import tqdm

    cfg = cfg or SynthConfig()
    root = Path(root)
    if root.exists():
        raise FileExistsError(f"{root}: already exists; remove it or choose another folder")
    partial = root.with_name(root.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    grades = ["LGG"] * n_lgg + ["HGG"] * n_hgg
    order = np.random.default_rng(seed).permutation(len(grades))  # ids do not reveal grade
    jobs = [(str(partial), grades[i], seed, int(rank), cfg) for rank, i in enumerate(order)]
    workers = workers or min(2, os.cpu_count() or 1)
    template()  # load once before forking
    if workers > 1:
        with ProcessPoolExecutor(workers) as pool:
            rows = list(tqdm(pool.map(_write_patient, jobs), total=len(jobs),
                             desc="synthetic cohort", disable=not progress))
    else:
        rows = [_write_patient(j) for j in tqdm(jobs, desc="synthetic cohort",
                                                disable=not progress)]
    truth = pd.DataFrame(rows).sort_values("patient_id").reset_index(drop=True)
    mapping = truth[["grade", "patient_id"]].rename(columns={"grade": "Grade",
                                                             "patient_id": "BraTS_2019_subject_ID"})
    save_csv(partial / "name_mapping.csv", mapping)
    save_csv(partial / "synthetic_truth.csv", truth)
    write_json(partial / "synthetic_config.json",
               {"seed": seed, "n_lgg": n_lgg, "n_hgg": n_hgg, "config": asdict(cfg)})
    os.replace(partial, root)
    return truth
