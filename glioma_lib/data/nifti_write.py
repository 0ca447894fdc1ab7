"""Volumes written as real BraTS files are: the BraTS affine and header codes, gzip-compressed
with ISA-L, atomically (the synthetic cohort's writer)."""

from __future__ import annotations

from pathlib import Path

import nibabel as nib
import numpy as np

from ..store import atomic_write

#: The affine of real BraTS files (checked on the shared sample): LPS voxel axes, origin
#: (0, 239, 0). Synthetic volumes are generated in LPS voxel order and written with it.
BRATS_AFFINE = np.array([[-1.0, 0, 0, 0], [0, -1.0, 0, 239.0], [0, 0, 1.0, 0], [0, 0, 0, 1]])
#: Header codes of real BraTS files: images qform 2 (aligned) / sform 1 (scanner), masks 1 / 1.
QFORM_CODE = {"image": 2, "seg": 1}
SFORM_CODE = 1


def nifti(data: np.ndarray, kind: str = "image") -> nib.Nifti1Image:
    """A volume with the real BraTS affine and header codes.

    Args:
        data: the voxels (LPS voxel order, as BraTS).
        kind: ``"image"`` or ``"seg"``.

    Example:
        >>> int(nifti(np.zeros((4, 4, 4), np.int16)).header["qform_code"])
        2
    """
    img = nib.Nifti1Image(data, BRATS_AFFINE)
    img.set_qform(BRATS_AFFINE, code=QFORM_CODE[kind])
    img.set_sform(BRATS_AFFINE, code=SFORM_CODE)
    img.header.set_xyzt_units("mm")
    return img


def save_nifti_gz(img: nib.Nifti1Image, path: str | Path) -> Path:
    """Write ``img`` as a standard gzip ``.nii.gz``, compressed with ISA-L (python-isal:
    about 6× faster than zlib's level 1, which nibabel uses, and smaller), atomically.

    Args:
        img: the image (:func:`nifti`).
        path: the ``.nii.gz`` file.

    Example:
        >>> import pathlib, tempfile
        >>> tmp = pathlib.Path(tempfile.mkdtemp())
        >>> path = save_nifti_gz(nifti(np.zeros((4, 4, 4), np.int16)), tmp / "x.nii.gz")
    """
    from isal import igzip

    data = igzip.compress(img.to_bytes(), compresslevel=1, mtime=0)
    return atomic_write(path, lambda p: Path(p).write_bytes(data))
