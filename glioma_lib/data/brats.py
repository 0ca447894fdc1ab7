"""Find, index, load and validate a BraTS 2018/2019/2020 cohort (or the synthetic one).

Layouts read:

* BraTS 2018 / 2019: ``HGG/`` and ``LGG/`` folders of patient folders
  (``Brats18_*`` / ``BraTS19_*``), each holding ``<id>_{t1,t1ce,t2,flair,seg}.nii.gz``.
* BraTS 2020: one flat folder of patient folders (``BraTS20_Training_*``), grades only in
  ``name_mapping.csv``; ``.nii`` as well as ``.nii.gz``. One real 2020 patient (355) has an
  oddly named segmentation (``W39_1998.09.19_Segm.nii``): any single file whose name contains
  ``seg`` is accepted as the mask and the substitution is noted in the cohort report.
"""

from __future__ import annotations

import gzip
import zlib
from collections.abc import Iterable
from pathlib import Path

import nibabel as nib
import numpy as np
import pandas as pd

from ..config import GRADES, SEQUENCES_ALL

FILE_KEYS = (*SEQUENCES_ALL, "seg")
COLUMNS = ["patient_id", "grade", *FILE_KEYS]
NIFTI_SUFFIXES = (".nii.gz", ".nii")


class CohortError(ValueError):
    """Bad input: names the file (or folder) and the problem."""

    def __init__(self, path: str | Path, problem: str):
        self.path = str(path)
        self.problem = problem
        super().__init__(f"{path}: {problem}")


# --------------------------------------------------------------------------- indexing
def _nifti_files(folder: Path) -> dict[str, Path]:
    """Lower-cased stem (without .nii/.nii.gz) → path, for the NIfTI files in ``folder``."""
    out = {}
    for p in folder.iterdir():
        name = p.name.lower()
        for suffix in NIFTI_SUFFIXES:
            if name.endswith(suffix) and p.is_file():
                out[name[: -len(suffix)]] = p
                break
    return out


def _patient_files(folder: Path, patient_id: str) -> tuple[dict[str, str], list[str]]:
    """The five files of one patient folder, and notes about unusual names.

    Raises :class:`CohortError` naming the folder when a file is missing.
    """
    files = _nifti_files(folder)
    found: dict[str, str] = {}
    notes: list[str] = []
    for key in FILE_KEYS:
        exact = files.get(f"{patient_id.lower()}_{key}")
        if exact is None:  # tolerate a different id prefix, same suffix
            suffixed = [p for stem, p in files.items() if stem.endswith(f"_{key}")]
            exact = suffixed[0] if len(suffixed) == 1 else None
        if exact is None and key == "seg":
            odd = [p for stem, p in files.items() if "seg" in stem]
            if len(odd) == 1:
                exact = odd[0]
                notes.append(f"segmentation is oddly named: {odd[0].name}")
        if exact is None:
            raise CohortError(folder, f"missing {key} file (expected {patient_id}_{key}.nii.gz)")
        found[key] = str(exact)
    return found, notes


def _read_mapping(root: Path) -> dict[str, str]:
    """BraTS 2020 ``name_mapping.csv``: patient id → grade."""
    csv = root / "name_mapping.csv"
    if not csv.exists():
        raise CohortError(
            root, "no HGG/ or LGG/ folder and no name_mapping.csv: not a BraTS 2018/2019/2020 root"
        )
    try:
        table = pd.read_csv(csv, dtype=str)
    except Exception as exc:  # pandas raises several types for bad CSVs
        raise CohortError(csv, f"unreadable CSV ({exc})") from exc
    if "Grade" not in table.columns:
        raise CohortError(csv, "no 'Grade' column")
    id_cols = [c for c in table.columns if c.lower().endswith("subject_id")]
    if not id_cols:
        raise CohortError(csv, "no *_subject_ID column")
    id_col = id_cols[-1]  # the newest release's column comes last (BraTS_2020_subject_ID)
    return dict(zip(table[id_col].astype(str), table["Grade"].astype(str), strict=True))


def _candidates(root: Path) -> Iterable[tuple[Path, str | None]]:
    """(patient folder, grade or None) pairs of a cohort root."""
    grade_dirs = [root / g for g in GRADES if (root / g).is_dir()]
    if grade_dirs:
        for gdir in grade_dirs:
            for folder in sorted(p for p in gdir.iterdir() if p.is_dir()):
                yield folder, gdir.name
    else:
        for folder in sorted(p for p in root.iterdir() if p.is_dir()):
            yield folder, None


def index_cohort(
    root: str | Path, on_error: str = "raise", check: str = "header"
) -> pd.DataFrame:
    """One row per patient: ``patient_id``, ``grade``, ``t1``, ``t1ce``, ``t2``, ``flair``, ``seg``.

    ``on_error="raise"`` stops at the first bad patient with a :class:`CohortError`;
    ``"skip"`` keeps going and lists each skipped patient with its reason in
    ``df.attrs["skipped"]`` (see :func:`cohort_report`). ``check="header"`` validates
    files, grades, ids, shapes and affines from the headers; ``"full"`` also loads every
    voxel (truncated gzip, NaN/Inf, empty mask); ``"none"`` only finds the files.

    Args:
        root: a BraTS 2018/2019/2020 training folder.
        on_error: ``"raise"`` or ``"skip"``.
        check: ``"none"``, ``"header"`` or ``"full"``.

    Example:
        >>> index_cohort('MICCAI_BraTS_2019_Data_Training').grade.value_counts()
    """
    if on_error not in ("raise", "skip"):
        raise ValueError("on_error must be 'raise' or 'skip'")
    if check not in ("none", "header", "full"):
        raise ValueError("check must be 'none', 'header' or 'full'")
    root = Path(root)
    if not root.is_dir():
        raise CohortError(root, "cohort root is not a folder")
    grade_layout = any((root / g).is_dir() for g in GRADES)
    mapping = None if grade_layout else _read_mapping(root)

    rows: list[dict] = []
    skipped: list[dict] = []
    notes: list[dict] = []
    seen: dict[str, Path] = {}
    for folder, grade in _candidates(root):
        pid = folder.name
        try:
            if pid in seen:
                raise CohortError(folder, f"duplicate patient id {pid} (also {seen[pid]})")
            if grade is None:
                grade = mapping.get(pid)
                if grade is None:
                    raise CohortError(folder, "patient not listed in name_mapping.csv")
            if grade not in GRADES:
                raise CohortError(folder, f"unknown grade {grade!r} (expected HGG or LGG)")
            files, file_notes = _patient_files(folder, pid)
            row = {"patient_id": pid, "grade": grade, **files}
            if check == "header":
                check_headers(row)
            elif check == "full":
                load_patient(row)
        except CohortError as err:
            if on_error == "raise":
                raise
            skipped.append({"patient_id": pid, "file": err.path, "reason": err.problem})
            continue
        seen[pid] = folder
        notes += [{"patient_id": pid, "note": n} for n in file_notes]
        rows.append(row)

    frame = pd.DataFrame(rows, columns=COLUMNS)
    frame.attrs["root"] = str(root)
    frame.attrs["layout"] = "BraTS 2018/2019 (HGG/, LGG/)" if grade_layout else "BraTS 2020 (flat)"
    frame.attrs["skipped"] = skipped
    frame.attrs["notes"] = notes
    return frame


def cohort_report(cohort: pd.DataFrame, skipped: list[dict] | None = None) -> pd.DataFrame:
    """Skipped patients and notes of an indexed cohort, one row each (empty when clean).

    Args:
        cohort: the frame of :func:`index_cohort`.
        skipped: patients dropped later (the slice stage's ``SliceSet.skipped``), listed too.

    Example:
        >>> data = gl.prepare_data(gl.get_profile("smoke"))
        >>> cohort_report(data.cohort, data.slices.skipped)
    """
    rows = [{"patient_id": s["patient_id"], "status": "skipped", "file": s["file"],
             "reason": s["reason"]} for s in [*cohort.attrs.get("skipped", []), *(skipped or [])]]
    rows += [{"patient_id": n["patient_id"], "status": "kept", "file": "", "reason": n["note"]}
             for n in cohort.attrs.get("notes", [])]
    return pd.DataFrame(rows, columns=["patient_id", "status", "file", "reason"])


# --------------------------------------------------------------------------- loading
#: Canonical voxel orientation of every loaded volume: the axes point to the patient's Left,
#: Posterior and Superior (real BraTS files are stored so). An axial slice ``v[..., z]`` of a
#: canonical volume, transposed (:func:`display_slice`), is in radiological display orientation.
CANONICAL = ("L", "P", "S")


def to_canonical(data: np.ndarray, affine: np.ndarray) -> np.ndarray:
    """Reorder and flip the voxel axes of ``data`` by its ``affine`` into :data:`CANONICAL`
    (what MONAI's ``Orientation`` and torchio's ``ToCanonical`` do; a view where possible)."""
    from nibabel import orientations as ornt

    current = ornt.io_orientation(affine)
    transform = ornt.ornt_transform(current, ornt.axcodes2ornt(CANONICAL))
    if (transform == [[0, 1], [1, 1], [2, 1]]).all():
        return data
    return ornt.apply_orientation(data, transform)


def display_slice(axial: np.ndarray) -> np.ndarray:
    """A canonical axial slice (``(L, P)`` axes) → radiological display: rows from anterior
    (top) to posterior, columns from the patient's right (left of the image) to left."""
    return np.asarray(axial).T


def _load_image(path: str | Path) -> nib.spatialimages.SpatialImage:
    path = Path(path)
    if not path.exists():
        raise CohortError(path, "file not found")
    if path.stat().st_size == 0:
        raise CohortError(path, "empty file")
    try:
        img = nib.load(path)
    except Exception as exc:  # nibabel raises many types for corrupt headers
        raise CohortError(path, f"unreadable NIfTI header ({type(exc).__name__}: {exc})") from exc
    if len(img.shape) != 3:
        raise CohortError(path, f"expected a 3-D volume, got shape {img.shape}")
    return img


def load_volume(path: str | Path, dtype=np.float32, img=None) -> np.ndarray:
    """Load one 3-D volume in :data:`CANONICAL` orientation (reoriented by its affine);
    raise :class:`CohortError` on truncation, non-3-D or NaN/Inf.

    ``dtype=None`` keeps the stored type (labels); ``img`` is the already-opened image of
    ``path``, when the caller has it.
    """
    img = _load_image(path) if img is None else img
    try:
        data = np.asarray(img.dataobj, dtype=dtype)
    except (EOFError, OSError, zlib.error, gzip.BadGzipFile, ValueError) as exc:
        raise CohortError(path, f"truncated or corrupt data ({type(exc).__name__}: {exc})") from exc
    stored_float = img.get_data_dtype().kind == "f" or img.dataobj.slope != 1
    if stored_float and not np.isfinite(data).all():
        raise CohortError(path, "contains NaN or Inf voxels")
    return to_canonical(data, img.affine)


def check_headers(row: dict | pd.Series, keys: Iterable[str] = FILE_KEYS) -> dict:
    """Shape and affine of every file must agree (headers only). Where one differs, the error
    names that file: the one outside the grid most files share (ties: the first key's grid).

    Returns the opened images, ``{key: image}``, for loading without re-reading headers.
    """
    keys = list(keys)
    images = {key: _load_image(row[key]) for key in keys}

    def grid(key: str) -> tuple:
        img = images[key]
        return img.shape, tuple(np.round(np.asarray(img.affine, float), 3).ravel())

    grids = [grid(k) for k in keys]
    common = max(grids, key=lambda g: (grids.count(g), -grids.index(g)))
    agree = [k for k, g in zip(keys, grids, strict=True) if g == common]
    for key, g in zip(keys, grids, strict=True):
        if g == common:
            continue
        img, ref = images[key], images[agree[0]]
        others = ", ".join(agree)
        if img.shape != ref.shape:
            raise CohortError(row[key], f"shape {img.shape} differs from {others} {ref.shape}")
        if not np.allclose(img.affine, ref.affine, atol=1e-3):
            raise CohortError(row[key], f"affine differs from {others}")
    return images


def load_patient(
    row: dict | pd.Series, sequences: Iterable[str] = SEQUENCES_ALL
) -> dict[str, np.ndarray]:
    """Load the given sequences and the mask of one indexed patient, fully validated.

    Returns ``{sequence: float32 volume, ..., "seg": uint8 labels}``.
    """
    images = check_headers(row, [*sequences, "seg"])
    out = {s: load_volume(row[s], img=images[s]) for s in sequences}
    seg = load_volume(row["seg"], dtype=None, img=images["seg"])
    if not seg.any():
        raise CohortError(row["seg"], "empty tumour mask (no non-zero label)")
    out["seg"] = seg if seg.dtype == np.uint8 else seg.astype(np.uint8)
    return out
