"""Patient-level k-fold cross-validation: every patient tested exactly once (chapter 7).

Each fold trains one model per sequence under the profile's cross-validation recipe
(:func:`cv_recipe`) with that fold's patients as the test set
(:func:`glioma_lib.data.splits.fold_split`), and the test predictions of the folds are pooled:
one row per slice of the whole cohort, each predicted by a model that never saw its patient.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from ..config import Profile
from ..data.stages import Data
from .experiment import ProtocolRun
from .runspec import PROFILE_WEIGHTS, trained_profile


def cv_recipe(profile: Profile) -> dict:
    """The :meth:`~glioma_lib.training.runspec.RunSpec.build` arguments of the
    cross-validation and site experiments: the profile's ``cv_backbone`` (or its backbone),
    ImageNet weights as the profile allows, ``cv_light`` and ``cv_train_slices``.

    Args:
        profile: the run's profile.

    Example:
        >>> cv_recipe(get_profile("default"))
        {'backbone': 'efficientnet_lite0', 'light': False, 'max_train': 800}
    """
    from .recipe import cv_family

    backbone, _, light, max_train = cv_family(profile)
    return {"backbone": backbone, "light": light, "max_train": max_train}


def cv_option(profile: Profile) -> tuple[str, int]:
    """The cross-validation recipe as an option of ``bench/bench_cv_options.py``: (training
    slices per network, or ``"all"``; epochs).

    Args:
        profile: the run's profile.

    Example:
        >>> cv_option(get_profile("default"))
        ('800', 5)
    """
    r = cv_recipe(profile)
    return str(r["max_train"] or "all"), trained_profile(profile, r["light"]).epochs


def cv_recipe_text(profile: Profile) -> str:
    """The cross-validation recipe in words, for captions.

    Args:
        profile: the run's profile.

    Example:
        >>> cv_recipe_text(get_profile("default"))
        'efficientnet_lite0, 5 epochs of online augmentation, 800 training slices per model'
    """
    r = cv_recipe(profile)
    return _recipe_words(profile, r["backbone"], r["light"], r["max_train"])


def main_recipe_text(profile: Profile) -> str:
    """The main networks' recipe in words (chapters 4-6, the patient protocol of
    ``glioma-grade predict``): what a result about those networks is checked against, not
    the cross-validation's (:func:`cv_recipe_text`).

    Args:
        profile: the run's profile.

    Example:
        >>> main_recipe_text(get_profile("default"))
        'efficientnet_lite0, 5 epochs of online augmentation, all training slices per model'
    """
    from .recipe import main_family

    backbone, _, light, max_train = main_family(profile)
    return _recipe_words(profile, backbone, light, max_train)


def _recipe_words(profile: Profile, backbone: str, light: bool, max_train: int | None) -> str:
    trained = trained_profile(profile, light)
    aug = "offline 6× + online" if trained.offline_aug else "online augmentation"
    slices = "all training slices" if max_train is None else f"{max_train} training slices"
    return f"{backbone}, {trained.epochs} epochs of {aug}, {slices} per model"


@dataclass
class CrossValidation:
    """The folds' runs and their pooled test predictions (with a ``fold`` column)."""

    runs: dict[int, ProtocolRun]
    predictions: pd.DataFrame

    @property
    def weights_note(self) -> str:
        """The initial weights of every fold's models (one note when they agree)."""
        return "; ".join(sorted({r.weights_note for r in self.runs.values()}))


def fold_run(data: Data, fold: int, sequences: tuple[str, ...] | None = None,
             backbone: str | None = None, weights: str | None = PROFILE_WEIGHTS,
             class_weight: str | None = None, train_profile: Profile | None = None
             ) -> ProtocolRun:
    """One fold of :func:`cross_validate`: the cross-validation recipe on that fold's split
    (:func:`glioma_lib.training.recipe.cv_recipe_for`), under the name ``fold<k>`` and the
    folder its content names (another backbone, initialisation or loss: another folder). The
    site experiments and chapter 6's transfer comparison reuse fold 0's FLAIR network where
    their recipe is the same.

    Args:
        data: the prepared data stages.
        fold: the fold tested.
        sequences: default the profile's.
        backbone: default the recipe's (:func:`cv_recipe`).
        weights: ``"imagenet"``, None (random init) or, by default, the profile's.
        class_weight: None (the paper's unweighted loss) or ``"balanced"`` (cached apart).
        train_profile: another training profile (e.g. another seed) on the same folds.

    Example:
        >>> data = gl.prepare_data(gl.get_profile("smoke"))
        >>> fold_run(data, 0, ("flair",)).predictions.head()
    """
    from .recipe import cv_recipe_for, run_recipe

    recipe = cv_recipe_for(data.profile, f"fold{fold}", sequences, backbone,
                           "profile" if weights == PROFILE_WEIGHTS else weights,
                           class_weight=class_weight)
    plain = backbone is None and weights == PROFILE_WEIGHTS and class_weight is None
    return run_recipe(data, recipe, train_profile=train_profile,
                      name=f"fold{fold}" if plain else None)


def cross_validate(data: Data, sequences: tuple[str, ...] | None = None,
                   class_weight: str | None = None, train_profile: Profile | None = None
                   ) -> CrossValidation:
    """Patient-level, grade-stratified ``profile.kfold``-fold cross-validation
    (:func:`glioma_lib.data.splits.patient_kfold`; fewer folds where a grade has fewer
    patients): each fold's patients are tested by models trained without them, so the pooled
    predictions cover every patient once.

    Args:
        data: the prepared data stages.
        sequences: default the profile's.
        class_weight: None (the paper's unweighted loss) or ``"balanced"``: the named
            class-weighted variant (``bench/bench_cv_balance.py``).
        train_profile: the profile the networks train under where it differs from the
            data's: another training seed on the same cohort and folds
            (``bench/bench_cv_seeds.py``).

    Example:
        >>> cv = cross_validate(prepare_data(get_profile("smoke")))
        >>> cv.predictions.groupby("fold")["patient_id"].nunique()
    """
    n_folds = int(data.kfold().max()) + 1  # fewer than profile.kfold in a tiny cohort
    runs = {k: fold_run(data, k, sequences, class_weight=class_weight,
                        train_profile=train_profile) for k in range(n_folds)}
    pooled = pd.concat([r.predictions.assign(fold=k) for k, r in runs.items()],
                       ignore_index=True)
    return CrossValidation(runs, pooled)
