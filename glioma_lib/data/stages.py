"""The data stages under a profile: cohort → slices → splits, cached under ``results/`` (the
splits as a stored table, read back rather than recomputed)."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ..config import Profile, results_root, stage_dir
from ..store import invalidate, is_current, mark_done, save_csv
from .brats import index_cohort
from .slices import SliceSet, prepare_slices
from .splits import fold_split, patient_kfold, patient_split, slice_split
from .synth import SynthConfig
from .synth_cohort import cohort_config, make_cohort, read_cohort_config


def synthetic_root(profile: Profile) -> Path:
    """Where the synthetic cohort of a profile's size and seed lives (shared by profiles)."""
    name = f"synthetic-{profile.n_lgg}lgg-{profile.n_hgg}hgg-seed{profile.seed}"
    if not profile.site_confounded:
        name += "-deconfounded"
    return results_root() / "cohorts" / name


def synth_config(profile: Profile) -> SynthConfig:
    """The synthetic cohort's knobs under a profile (the generator's defaults, with the
    profile's site confounding).

    Args:
        profile: the run's profile.

    Example:
        >>> synth_config(get_profile("default", site_confounded=False)).site_confounded
        False
    """
    return SynthConfig(site_confounded=profile.site_confounded)


def ensure_cohort(profile: Profile, brats_root: str | Path | None = None,
                  on_error: str = "skip", progress: bool = True) -> pd.DataFrame:
    """Index the real cohort at ``brats_root``, or generate (once) and index the synthetic one.

    A synthetic cohort on disk is reused only when its ``synthetic_config.json`` equals the
    profile's (sizes, seed, every generator knob, generator version); otherwise it is
    regenerated. An interrupted generation resumes with the patients not yet written.
    The frame's ``attrs["source"]`` says which: ``"BraTS (<root>)"`` or ``"synthetic"``.
    """
    if brats_root is None:
        root = synthetic_root(profile)
        cfg = synth_config(profile)
        wanted = cohort_config(profile.n_lgg, profile.n_hgg, profile.seed, cfg)
        if root.exists() and read_cohort_config(root) != wanted:
            shutil.rmtree(root)  # made by another generator version or config
        if not root.exists():
            make_cohort(root, profile.n_lgg, profile.n_hgg, seed=profile.seed, cfg=cfg,
                        workers=profile.workers, progress=progress)
        cohort = index_cohort(root, on_error=on_error)
        cohort.attrs["source"] = "synthetic"
    else:
        cohort = index_cohort(brats_root, on_error=on_error)
        cohort.attrs["source"] = f"BraTS ({Path(brats_root).resolve().name})"
    return cohort


#: Version of the stored split table's layout and computation (part of its stage key).
SPLITS_VERSION = 1


def split_key(profile: Profile) -> tuple:
    """The profile fields a split table depends on (fractions, k, seed)."""
    return (tuple(profile.split_fractions), profile.kfold, profile.seed)


def split_table(index: pd.DataFrame, profile: Profile) -> pd.DataFrame:
    """Every split the book uses, one row per slice: ``slice`` (the paper's), ``patient``
    (the honest 70/15/15), ``fold`` (the patient-level k-fold) and ``fold<k>`` (each fold's
    train/val/test), from the profile's fractions, k and seed.

    Args:
        index: the slice index (``row``, ``patient_id``, ``grade``).
        profile: the run's profile.

    Example:
        >>> split_table(prepare_data(get_profile("smoke")).index, get_profile("smoke")).columns
    """
    p = profile
    table = index[["row", "patient_id", "grade"]].copy()
    table["slice"] = slice_split(len(index), p.split_fractions, p.seed)
    table["patient"] = patient_split(index, p.split_fractions, p.seed)
    table["fold"] = patient_kfold(index, p.kfold, p.seed)
    for k in range(int(table["fold"].max()) + 1):
        table[f"fold{k}"] = fold_split(index, table["fold"].to_numpy(), k, seed=p.seed)
    table.attrs["key"] = split_key(p)
    return table


def prepare_splits(index: pd.DataFrame, profile: Profile, slices_key: str,
                   out_dir: str | Path) -> pd.DataFrame:
    """The split stage: :func:`split_table` stored as ``splits.csv`` under ``out_dir`` and
    read back, not recomputed, while its key (the slice stage's fingerprint, the fractions,
    k, seed and :data:`SPLITS_VERSION`) holds.

    Args:
        index: the slice index.
        profile: the run's profile.
        slices_key: the slice stage's fingerprint.
        out_dir: ``results/<run>/splits``.

    Example:
        >>> data = prepare_data(get_profile("smoke"))  # writes results/smoke/splits/
    """
    out_dir = Path(out_dir)
    manifest = {"stage": "splits", "version": SPLITS_VERSION, "slices": slices_key,
                "fractions": list(profile.split_fractions), "kfold": profile.kfold,
                "seed": profile.seed}
    if is_current(out_dir, manifest):
        table = pd.read_csv(out_dir / "splits.csv", dtype={"patient_id": str})
    else:
        invalidate(out_dir)
        table = split_table(index, profile)
        save_csv(out_dir / "splits.csv", table)
        mark_done(out_dir, manifest)
    table.attrs["key"] = split_key(profile)
    return table


@dataclass
class Data:
    """Everything the later notebooks need from the data stages."""

    profile: Profile
    cohort: pd.DataFrame
    slices: SliceSet
    source: str
    #: The stored split stage (:func:`prepare_splits`); None: computed when first asked for.
    splits: pd.DataFrame | None = None

    def __post_init__(self):
        # a copy with another seed, fractions or k (``dataclasses.replace``) recomputes them
        if self.splits is not None and self.splits.attrs.get("key") != split_key(self.profile):
            self.splits = None

    @property
    def index(self) -> pd.DataFrame:
        return self.slices.index

    def _splits(self) -> pd.DataFrame:
        if self.splits is None:
            self.splits = split_table(self.index, self.profile)
        return self.splits

    def split(self, protocol: str) -> np.ndarray:
        """Per-row split labels: ``"slice"`` (the paper's) or ``"patient"`` (honest)."""
        if protocol not in ("slice", "patient"):
            raise ValueError(f"unknown protocol {protocol!r}; use 'slice' or 'patient'")
        return self._splits()[protocol].to_numpy().astype(str)

    def kfold(self) -> np.ndarray:
        """Per-row patient-level fold number."""
        return self._splits()["fold"].to_numpy().astype(int)

    def fold_split(self, fold: int) -> np.ndarray:
        """Per-row ``"train"``/``"val"``/``"test"`` labels of cross-validation fold ``fold``
        (:func:`glioma_lib.data.splits.fold_split` of :meth:`kfold`): the one split every model
        of that fold (cross-validation, chapter 6's transfer pair, the site experiments) uses."""
        column = f"fold{fold}"
        if column not in self._splits():
            raise ValueError(f"fold {fold} not among the folds "
                             f"{sorted(set(self.kfold().tolist()))}")
        return self._splits()[column].to_numpy().astype(str)


def prepare_data(profile: Profile, brats_root: str | Path | None = None,
                 on_error: str = "skip", progress: bool = True) -> Data:
    """Cohort, slice and split stages for a profile (each reused when already done).

    Args:
        profile: the run's profile.
        brats_root: a real BraTS training folder (None: the synthetic cohort).
        on_error: ``"skip"`` lists bad patients, ``"raise"`` stops at the first.
        progress: show progress bars.

    Example:
        >>> data = prepare_data(get_profile('smoke'))
        >>> data.index.head()
    """
    cohort = ensure_cohort(profile, brats_root, on_error=on_error, progress=progress)
    slices = prepare_slices(cohort, stage_dir(profile, "slices"), profile.sequences,
                            profile.n_slices, profile.image_size, workers=profile.workers,
                            on_error=on_error, progress=progress)
    splits = prepare_splits(slices.index, profile, slices.fingerprint,
                            stage_dir(profile, "splits"))
    return Data(profile, cohort, slices, cohort.attrs["source"], splits)
