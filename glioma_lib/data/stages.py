"""The data stages under a profile: cohort → slices → splits, cached under ``results/``."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ..config import Profile, results_root, stage_dir
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


@dataclass
class Data:
    """Everything the later notebooks need from the data stages."""

    profile: Profile
    cohort: pd.DataFrame
    slices: SliceSet
    source: str

    @property
    def index(self) -> pd.DataFrame:
        return self.slices.index

    def split(self, protocol: str) -> np.ndarray:
        """Per-row split labels: ``"slice"`` (the paper's) or ``"patient"`` (honest)."""
        p = self.profile
        if protocol == "slice":
            return slice_split(len(self.index), p.split_fractions, p.seed)
        if protocol == "patient":
            return patient_split(self.index, p.split_fractions, p.seed)
        raise ValueError(f"unknown protocol {protocol!r}; use 'slice' or 'patient'")

    def kfold(self) -> np.ndarray:
        """Per-row patient-level fold number."""
        return patient_kfold(self.index, self.profile.kfold, self.profile.seed)

    def fold_split(self, fold: int) -> np.ndarray:
        """Per-row ``"train"``/``"val"``/``"test"`` labels of cross-validation fold ``fold``
        (:func:`glioma_lib.data.splits.fold_split` of :meth:`kfold`): the one split every model
        of that fold (cross-validation, chapter 6's transfer pair, the site experiments) uses."""
        return fold_split(self.index, self.kfold(), fold, seed=self.profile.seed)


def prepare_data(profile: Profile, brats_root: str | Path | None = None,
                 on_error: str = "skip", progress: bool = True) -> Data:
    """Cohort and slice stages for a profile (each reused when already done).

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
    return Data(profile, cohort, slices, cohort.attrs["source"])
