"""Largest-tumour slice, the 20-slice window, normalisation, resize, cached uint8 arrays.

The slice stage stores, per sequence, one ``(N, S, S)`` uint8 array (``<seq>.npy``) plus
``mask.npy`` (the resized binary tumour mask, for outlines) and one index table
(``index.csv``: row, patient, grade, label, slice index, offset in the window). Rows are
aligned across sequences: row ``k`` is the same patient and slice in every array, which is
what the paper's shared random split relies on. Channels are repeated to 3 at load time.

Volumes are read in canonical LPS orientation (:func:`glioma_lib.data.brats.to_canonical`, by
their affine) and every stored slice is in radiological display orientation: anterior at
the top, the patient's left on the image's right. A horizontal flip of a stored slice is
therefore a left–right mirror, as in the paper.
"""

from __future__ import annotations

import hashlib
import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import torch
import torch.nn.functional as F

from ..config import GRADES, SEQUENCES, default_workers, single_thread_worker
from ..store import (
    content_id,
    fingerprint,
    invalidate,
    is_current,
    mark_done,
    read_manifest,
    save_csv,
    save_npy,
)
from .brats import CohortError, load_patient

NORMALISATION = "brain percentiles 0.5-99.5 -> [0, 255]"
ORIENTATION = "canonical LPS volumes; slices in radiological display (anterior up, L right)"
#: Bumped whenever the slice stage's output changes for the same inputs and parameters.
SLICE_VERSION = 2


def slice_areas(seg: np.ndarray) -> np.ndarray:
    """Non-zero voxels per axial slice (last axis) of a label volume.

    One ``count_nonzero`` per slice: NIfTI volumes load Fortran-ordered, where each axial
    slice is contiguous, and this is ~30× faster than a reshaped boolean sum over the volume.
    """
    seg = np.asarray(seg)
    return np.array([np.count_nonzero(seg[..., z]) for z in range(seg.shape[-1])], dtype=np.int64)


def largest_tumour_slice(seg: np.ndarray) -> int:
    """``z*``: the axial slice with the most non-zero labels (lowest index on ties)."""
    areas = slice_areas(seg)
    if not areas.any():
        raise ValueError("empty segmentation: no non-zero label on any slice")
    return int(np.argmax(areas))


def tumour_window(seg: np.ndarray, n: int = 20) -> np.ndarray:
    """The ``n`` axial slice indices around the largest-tumour slice (axial = last axis).

    ``z*`` is the slice with the most non-zero labels (lowest index on ties); the window
    starts at ``z* - n // 2`` and is shifted to stay inside ``[0, depth)``.
    """
    depth = np.shape(seg)[-1]
    if n > depth:
        raise ValueError(f"window of {n} slices does not fit a volume of depth {depth}")
    z_star = largest_tumour_slice(seg)
    start = min(max(z_star - n // 2, 0), depth - n)
    return np.arange(start, start + n)


def brain_range(volume: np.ndarray, stride: int = 2) -> tuple[float, float]:
    """0.5th and 99.5th percentiles of the brain (non-zero) voxels.

    Computed on every ``stride``-th voxel along each axis (8× fewer for stride 2), which
    moves these percentiles by well under one grey level of the uint8 output.
    """
    sample = volume[(slice(None, None, stride),) * volume.ndim]
    brain = sample[sample > 0]
    if brain.size == 0:
        brain = volume[volume > 0]
    if brain.size == 0:
        raise ValueError("empty image: no brain voxel above zero")
    lo, hi = np.percentile(brain, [0.5, 99.5])
    return float(lo), float(hi)


def normalise(volume: np.ndarray, window: np.ndarray | None = None) -> np.ndarray:
    """Map the brain's 0.5–99.5 percentile range to [0, 1] (background stays 0).

    The range comes from the whole volume; with ``window`` only those axial slices are
    returned (``volume[..., window]``), which is all the slice stage needs.
    """
    lo, hi = brain_range(volume)
    part = volume if window is None else volume[..., window]
    out = np.clip((part - lo) / max(hi - lo, 1e-6), 0, 1)
    out[part <= 0] = 0
    return out.astype(np.float32)


def resize_slices(slices: np.ndarray, size: int, nearest: bool = False) -> np.ndarray:
    """Resize ``(n, H, W)`` slices to ``(n, size, size)`` (antialiased bilinear or nearest)."""
    t = torch.from_numpy(np.ascontiguousarray(slices, dtype=np.float32))[:, None]
    if t.shape[-1] == size and t.shape[-2] == size:
        return slices.astype(np.float32)
    if nearest:
        out = F.interpolate(t, size=(size, size), mode="nearest")
    else:
        out = F.interpolate(t, size=(size, size), mode="bilinear", antialias=True,
                            align_corners=False)
    return out[:, 0].numpy()


def to_uint8(image: np.ndarray) -> np.ndarray:
    """[0, 1] floats → uint8."""
    return np.clip(np.rint(image * 255), 0, 255).astype(np.uint8)


def patient_slices(
    volumes: dict[str, np.ndarray], sequences, n_slices: int, size: int,
    window: np.ndarray | None = None,
) -> tuple[dict[str, np.ndarray], np.ndarray, np.ndarray]:
    """Window, normalise and resize one patient: ``({seq: (n, S, S) uint8}, indices, areas)``.

    ``volumes`` are canonical (LPS, as :func:`glioma_lib.data.brats.load_patient` returns them);
    slices are axial (last axis) and stored as ``(n, H, W)`` in radiological display
    orientation (:func:`glioma_lib.data.brats.display_slice`). The window is
    ``tumour_window(volumes["seg"])`` unless given; with a ``"seg"`` volume the tumour mask
    is included under ``"mask"`` and ``areas`` counts its voxels per slice (zeros without).
    """
    seg = volumes.get("seg")
    if window is None:
        if seg is None:
            raise ValueError("a slice window needs a segmentation or explicit indices")
        window = tumour_window(seg, n_slices)
    window = np.asarray(window)
    out = {}
    for seq in sequences:
        norm = normalise(volumes[seq], window)
        out[seq] = to_uint8(resize_slices(norm.transpose(2, 1, 0), size))
    if seg is None:
        return out, window, np.zeros(len(window), int)
    areas = (seg[..., window] > 0).sum((0, 1))
    mask = (seg[..., window] > 0).astype(np.float32).transpose(2, 1, 0)
    out["mask"] = (resize_slices(mask, size, nearest=True) > 0.5).astype(np.uint8)
    return out, window, areas


def _one_patient(args) -> tuple[str, object]:
    row, sequences, n_slices, size = args
    try:
        volumes = load_patient(row, sequences)
        for seq in sequences:
            if volumes[seq].max() <= 0:
                raise CohortError(row[seq], "empty image (no voxel above zero)")
        return "ok", patient_slices(volumes, sequences, n_slices, size)
    except CohortError as err:
        return "error", (err.path, err.problem)
    except ValueError as err:
        return "error", (row["seg"], str(err))


#: The pseudo-sequence name of the early-fusion input (one network, three sequences).
FUSION = "fusion"


def early_fusion(arrays: dict[str, np.ndarray], sequences=SEQUENCES) -> np.ndarray:
    """Stack co-registered sequences as the channels of one image: ``(N, len(sequences), S, S)``."""
    missing = [s for s in sequences if s not in arrays]
    if missing:
        raise ValueError(f"early fusion needs sequences {missing} that were not prepared")
    shapes = {arrays[s].shape for s in sequences}
    if len(shapes) != 1:
        raise ValueError(f"early fusion needs equal shapes, got {sorted(shapes)}")
    return np.stack([np.asarray(arrays[s]) for s in sequences], axis=1)


@dataclass
class SliceSet:
    """The cached slice stage: index table and (memory-mapped) uint8 arrays per sequence."""

    folder: Path
    index: pd.DataFrame
    sequences: tuple[str, ...]
    skipped: list[dict] = field(default_factory=list)
    manifest: dict = field(default_factory=dict)

    @property
    def fingerprint(self) -> str:
        """Identity of the data behind these arrays (the slice stage's manifest)."""
        if not self.manifest:
            raise ValueError(f"{self.folder}: slice stage has no manifest (unfinished?)")
        return fingerprint(self.manifest)

    def array(self, seq: str) -> np.ndarray:
        """``(N, S, S)`` uint8 array of one sequence (``"mask"`` for the tumour mask)."""
        return np.load(self.folder / f"{seq}.npy", mmap_mode="r")

    def inputs(self, name: str, fused: tuple[str, ...] = SEQUENCES,
               rows: np.ndarray | None = None) -> np.ndarray:
        """A network's input array: one sequence ``(N, S, S)``, or for ``"fusion"`` the
        early-fusion stack ``(N, 3, S, S)`` with ``fused`` (T1, T2, FLAIR) as the channels.
        ``rows`` reads only those rows of the memory-mapped arrays."""
        def read(seq: str) -> np.ndarray:
            array = self.array(seq)
            return np.asarray(array if rows is None else array[rows])

        if name != FUSION:
            return read(name)
        return early_fusion({seq: read(seq) for seq in fused}, fused)

    @property
    def labels(self) -> np.ndarray:
        """0 = LGG, 1 = HGG, per row."""
        return self.index["label"].to_numpy()


def _cohort_fingerprint(cohort: pd.DataFrame, sequences) -> str:
    """The cohort's files by name relative to the cohort's root, grade and content
    (:func:`glioma_lib.store.content_id`), never by absolute path or time: a cohort (or a
    ``results/`` folder holding one) copied or moved elsewhere keeps its fingerprint, so every
    stage after it is reused (DESIGN.md, "Cached stages")."""
    files = [(row["patient_id"], row["grade"], Path(row[k]).resolve())
             for _, row in cohort.iterrows() for k in (*sequences, "seg")]
    root = os.path.commonpath([str(f) for *_, f in files]) if files else ""
    if len(files) == 1:
        root = os.path.dirname(root)
    h = hashlib.sha256()
    for patient, grade, path in files:
        h.update(f"{patient}|{grade}|{path.relative_to(root).as_posix()}|"
                 f"{content_id(path)}".encode())
    return h.hexdigest()


def slice_manifest(cohort: pd.DataFrame, sequences, n_slices: int, size: int,
                   on_error: str = "raise") -> dict:
    """What the slice stage's output depends on: the cohort's files (name relative to the
    cohort's root and content of every file), the slice parameters and the slice code's
    version."""
    return {"stage": "slices", "version": SLICE_VERSION, "sequences": tuple(sequences),
            "n_slices": n_slices, "size": size, "normalisation": NORMALISATION,
            "orientation": ORIENTATION, "on_error": on_error,
            "cohort": _cohort_fingerprint(cohort, sequences)}


def prepare_slices(
    cohort: pd.DataFrame, out_dir: str | Path, sequences=("t1", "t2", "flair"),
    n_slices: int = 20, size: int = 224, workers: int | None = None,
    on_error: str = "raise", progress: bool = True,
) -> SliceSet:
    """Run the slice stage for an indexed cohort (reused when its manifest matches).

    Patients are processed in parallel (``workers`` processes). ``on_error="skip"`` drops a
    patient whose files fail validation and lists it in ``SliceSet.skipped``.
    """
    from tqdm import tqdm

    out_dir = Path(out_dir)
    sequences = tuple(sequences)
    manifest = slice_manifest(cohort, sequences, n_slices, size, on_error)
    if is_current(out_dir, manifest):
        return load_slices(out_dir)
    invalidate(out_dir)  # from here on, the folder vouches for nothing until mark_done

    jobs = [(row, sequences, n_slices, size) for row in cohort.to_dict("records")]
    workers = workers or default_workers()
    if workers > 1 and len(jobs) > 1:
        with ProcessPoolExecutor(workers, initializer=single_thread_worker) as pool:
            results = list(tqdm(pool.map(_one_patient, jobs, chunksize=1), total=len(jobs),
                                desc="slices", disable=not progress))
    else:
        results = [_one_patient(j) for j in tqdm(jobs, desc="slices", disable=not progress)]

    arrays: dict[str, list[np.ndarray]] = {k: [] for k in (*sequences, "mask")}
    rows, skipped = [], []
    for job, (status, payload) in zip(jobs, results, strict=True):
        row = job[0]
        if status == "error":
            path, problem = payload
            if on_error == "raise":
                raise CohortError(path, problem)
            skipped.append({"patient_id": row["patient_id"], "file": path, "reason": problem})
            continue
        data, window, areas = payload
        for key in arrays:
            arrays[key].append(data[key])
        for offset, (z, area) in enumerate(zip(window, areas, strict=True)):
            rows.append({"patient_id": row["patient_id"], "grade": row["grade"],
                         "label": GRADES.index(row["grade"]), "slice_index": int(z),
                         "offset": offset, "tumour_area": int(area)})
    if not rows:
        raise CohortError(cohort.attrs.get("root", out_dir), "no usable patient in the cohort")
    index = pd.DataFrame(rows)
    index.insert(0, "row", np.arange(len(index)))
    out_dir.mkdir(parents=True, exist_ok=True)
    for key, parts in arrays.items():
        save_npy(out_dir / f"{key}.npy", np.concatenate(parts))
    save_csv(out_dir / "index.csv", index)
    save_csv(out_dir / "skipped.csv",
             pd.DataFrame(skipped, columns=["patient_id", "file", "reason"]))
    mark_done(out_dir, manifest)
    return load_slices(out_dir)


def load_slices(folder: str | Path) -> SliceSet:
    """Open a finished slice stage."""
    folder = Path(folder)
    index = pd.read_csv(folder / "index.csv")
    manifest = read_manifest(folder) or {}
    seqs = tuple(p.stem for p in sorted(folder.glob("*.npy")) if p.stem != "mask")
    skipped_csv = folder / "skipped.csv"
    skipped = pd.read_csv(skipped_csv).to_dict("records") if skipped_csv.exists() else []
    return SliceSet(folder, index, seqs, skipped, manifest)


def blank_tumour(images: np.ndarray, masks: np.ndarray, dilate_px: int = 3) -> np.ndarray:
    """The tumour-masked control's input: each slice with its tumour (mask > 0, grown by
    ``dilate_px`` pixels in-plane) set to 0, the rest untouched (a copy).

    A network that still grades these images well above chance reads something other than
    the tumour: the site's acquisition signature, or the anatomy around the tumour.

    Args:
        images: ``(N, S, S)`` (or ``(N, C, S, S)``) uint8 slices.
        masks: ``(N, S, S)`` tumour labels of the same slices (``SliceSet.array("mask")``).
        dilate_px: in-plane growth of the mask, in pixels.

    Example:
        >>> data = gl.prepare_data(gl.get_profile("smoke"))
        >>> blank_tumour(data.slices.inputs("flair"), data.slices.array("mask"))
    """
    from scipy import ndimage

    masks = np.asarray(masks) > 0
    if masks.shape[0] != images.shape[0] or masks.shape[-2:] != images.shape[-2:]:
        raise ValueError(f"masks {masks.shape} do not match images {images.shape}")
    if dilate_px > 0:
        ring = np.zeros((1, 3, 3), bool)
        ring[0] = ndimage.generate_binary_structure(2, 1)
        masks = ndimage.binary_dilation(masks, ring, iterations=dilate_px)
    out = np.array(images, copy=True)
    if out.ndim == 4:
        out[np.broadcast_to(masks[:, None], out.shape)] = 0
    else:
        out[masks] = 0
    return out
