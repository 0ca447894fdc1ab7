"""One synthetic tumour drawn: its grade's characteristics, its real outline
(:mod:`.synth_shapes`: a real shape of the grade blended with a second, resized) and its tilt
(used by :func:`glioma_lib.data.synth.synth_patient`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from .synth_anatomy import template
from .synth_shapes import equivalent_radius, real_shapes

if TYPE_CHECKING:  # the knobs' type only (synth imports this module)
    from .synth import SynthConfig


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
    site: str
    shape: str = ""         # the real shape of the grade (calibration patient id)
    shape_other: str = ""   # the second real shape blended in
    shape_weight: float = 1.0  # the first shape's weight


def _draw_tumour(rng, grade: str, site: str, cfg: SynthConfig) -> TumourSpec:
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
    candidates = tpl["sites"][tpl["site_depth"] > 0.6 * radius]
    if len(candidates) == 0:
        candidates = tpl["sites"]
    centre = tuple(float(v) for v in candidates[rng.integers(len(candidates))])
    shapes = real_shapes()
    own = [s for s in shapes if s["grade"] == grade] or list(shapes)
    first = own[rng.integers(len(own))]["patient_id"]
    other = shapes[rng.integers(len(shapes))]["patient_id"]
    return TumourSpec(grade, centre, float(radius), float(oedema), bool(necrosis), enhancing,
                      float(hetero), site, first, other, float(rng.uniform(*cfg.shape_blend)))


def tumour_outline(spec: TumourSpec) -> dict[str, np.ndarray]:
    """The blended real radial functions of a tumour (``core`` and ``whole``, mm), resized so
    that the core's equivalent-sphere radius is the drawn one, the oedema's reach beyond the
    core resized by ``oedema_scale``.

    Args:
        spec: the drawn tumour.

    Example:
        >>> from glioma_lib.data.synth import SynthConfig
        >>> spec = _draw_tumour(np.random.default_rng(0), "HGG", "CBICA", SynthConfig())
        >>> round(equivalent_radius(tumour_outline(spec)["core"]), 3) == round(
        ...     spec.core_radius_mm, 3)
        True
    """
    by_id = {s["patient_id"]: s for s in real_shapes()}
    a, b, w = by_id[spec.shape], by_id[spec.shape_other], spec.shape_weight
    core = w * a["core"] + (1 - w) * b["core"]
    whole = np.maximum(w * a["whole"] + (1 - w) * b["whole"], core)
    scale = spec.core_radius_mm / equivalent_radius(core)
    core = core * scale
    whole = core + (whole * scale - core) * spec.oedema_scale
    return {"core": core.astype(np.float32), "whole": whole.astype(np.float32)}


def _tilt(rng, max_deg: float) -> np.ndarray:
    """A rotation: any azimuth, a tilt off the axial axis of at most ``max_deg``."""
    from scipy.spatial.transform import Rotation

    angles = [rng.uniform(0, 360), rng.uniform(-max_deg, max_deg), rng.uniform(0, 360)]
    return Rotation.from_euler("zxz", angles, degrees=True).as_matrix().astype(np.float32)
