"""What the plan trains, without images: every network of a profile's :func:`~glioma_lib.
training.recipe.plan` on a cohort known only by its patients (ids and grades), with the
training images each network sees over its epochs.

``bench/gpu_check.py`` projects the `paper` book's GPU time from it, so the projection counts
exactly the networks ``glioma-grade train`` trains (it once counted 43 by hand where the plan
has 35), and each with its own split, epochs and offline expansion.
"""

from __future__ import annotations

from types import SimpleNamespace

import pandas as pd

from ..config import Profile
from ..data.sites import assign_sites
from ..data.stages import Data
from ..data.synth_cohort import patient_id
from .augment import OFFLINE_NAMES
from .recipe import plan, spec_of


def brats2019_like(profile: Profile) -> pd.DataFrame:
    """Patients (``patient_id``, ``grade``) of the profile's size spread over BraTS 2019's
    sites as the synthetic cohort spreads them (:func:`~glioma_lib.data.sites.assign_sites`):
    a stand-in for a real cohort that is not on this machine.

    Args:
        profile: the profile (``n_lgg``, ``n_hgg``, ``seed``, ``site_confounded``).

    Example:
        >>> brats2019_like(get_profile("paper"))["grade"].value_counts().to_dict()
        {'HGG': 259, 'LGG': 76}
    """
    sites = assign_sites(profile.n_lgg, profile.n_hgg, seed=profile.seed,
                         confounded=profile.site_confounded)
    return pd.DataFrame({"patient_id": [patient_id(i, s) for i, s in enumerate(sites["site"])],
                         "grade": sites["grade"].to_numpy()})


def patients_data(profile: Profile, patients: pd.DataFrame) -> Data:
    """The data stages of a cohort known only by its patients: ``profile.n_slices`` index
    rows per patient, no image. Enough for the splits, folds, sites and labels that
    :func:`plan` and :func:`~glioma_lib.training.recipe.spec_of` read; any image read fails.

    Args:
        profile: the run's profile.
        patients: one row per patient with ``patient_id`` and ``grade``.

    Example:
        >>> data = patients_data(get_profile("paper"), brats2019_like(get_profile("paper")))
        >>> len(data.index)
        6700
    """
    patients = patients[["patient_id", "grade"]].reset_index(drop=True)
    index = patients.loc[patients.index.repeat(profile.n_slices)].reset_index(drop=True)
    index.insert(0, "row", range(len(index)))
    index["label"] = (index["grade"] == "HGG").astype(int)
    slices = SimpleNamespace(index=index, labels=index["label"].to_numpy())
    return Data(profile, patients, slices, "patients only (no images)")


def workload(data: Data, only: list[str] | None = None) -> pd.DataFrame:
    """One row per network of the plan: its unit, sequence, backbone, epochs, training slices
    and the training images it sees in all (slices × offline variants × epochs).

    Args:
        data: prepared data stages, or :func:`patients_data`.
        only: plan groups to keep (as :func:`plan`).

    Example:
        >>> p = get_profile("paper")
        >>> workload(patients_data(p, brats2019_like(p)))["images"].sum()
    """
    rows = []
    for unit in plan(data, only):
        spec = spec_of(data, unit.recipe)
        p = spec.profile
        variants = len(OFFLINE_NAMES) if p.offline_aug else 1
        rows.append({"unit": unit.name, "sequence": unit.sequence, "backbone": spec.backbone,
                     "epochs": p.epochs, "train_slices": len(spec.train_rows),
                     "images": len(spec.train_rows) * variants * p.epochs})
    return pd.DataFrame(rows, columns=["unit", "sequence", "backbone", "epochs",
                                       "train_slices", "images"])
