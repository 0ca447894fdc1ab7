"""Every network the book trains, declared once: :class:`Recipe` values and the :func:`plan`.

A :class:`Recipe` is everything a run trains apart from the data: the split, the labels, the
backbone and its initial weights, the full or lighter recipe, the cap on training slices, the
tumour-blanked input and the sequences. On a cohort it becomes a
:class:`~glioma_lib.training.runspec.RunSpec` (:func:`spec_of`), whose content names its
folder. :func:`book_recipes` is the one registry of names (``patient``, ``fold3``,
``h2h-googlenet``…): the chapters run recipes by name (:func:`run_recipe`), and :func:`plan`
lists the same recipes as (recipe, sequence) units for ``glioma-grade train``
(:mod:`glioma_lib.training.grid`), so the two cannot drift apart.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from ..config import SEQUENCES, Profile
from ..data.sites import sites
from ..data.slices import FUSION
from ..data.splits import leave_site_out, shuffle_grades_by_patient
from ..data.stages import Data
from .experiment import ProtocolRun, train_run
from .runspec import RunSpec

#: The label kinds a recipe trains on.
LABELS = ("grade", "shuffled", "site")
#: The one sequence of the comparison runs (head-to-head, shuffled labels, transfer, sites).
COMPARISON_SEQUENCE = "flair"


@dataclass(frozen=True)
class Recipe:
    """What one cached protocol run trains (one network per sequence), apart from the data.

    ``split``: ``"slice"`` or ``"patient"`` (the profile's 70/15/15 splits), ``"fold<k>"``
    (the patient-level cross-validation's fold k) or ``"leave-site-out"``. ``labels``:
    ``"grade"``, ``"shuffled"`` (grades permuted across patients) or ``"site"`` (the site
    classifier). ``weights``: ``"imagenet"`` or None (random initialisation).
    ``class_weight``: None (the paper's unweighted loss) or ``"balanced"`` (the named
    class-weighted variant of the cross-validation, ``bench/bench_cv_balance.py``).
    """

    split: str
    backbone: str
    weights: str | None = "imagenet"
    light: bool = False
    max_train: int | None = None
    labels: str = "grade"
    blank: bool = False
    sequences: tuple[str, ...] = SEQUENCES
    class_weight: str | None = None

    def __post_init__(self):
        if self.labels not in LABELS:
            raise ValueError(f"labels {self.labels!r}: choose one of {LABELS}")
        if not (self.split in ("slice", "patient", "leave-site-out")
                or (self.split.startswith("fold") and self.split[4:].isdigit())):
            raise ValueError(f"split {self.split!r}: slice, patient, fold<k> or leave-site-out")

    @property
    def protocol(self) -> str:
        """The protocol name of its runs (``cv-fold<k>`` for a cross-validation fold)."""
        return f"cv-{self.split}" if self.split.startswith("fold") else self.split


@dataclass(frozen=True)
class Unit:
    """One network of the plan: a recipe's model of one sequence, under a name."""

    name: str
    recipe: Recipe
    sequence: str

    @property
    def group(self) -> str:
        """The plan group (``main``, ``h2h``, ``shuffled``, ``transfer``, ``cv``, ``sites``)."""
        return self.name.split(":")[0]

    @property
    def recipe_name(self) -> str:
        """The recipe's name in :func:`book_recipes` (``patient``, ``fold3``…)."""
        return self.name.split(":", 1)[1]


def main_family(profile: Profile) -> tuple:
    """The main recipe's (backbone, weights, light, max_train): the profile's own."""
    return profile.backbone, profile.weights, False, None


def cv_family(profile: Profile) -> tuple:
    """The cross-validation recipe's (backbone, weights, light, max_train): the profile's
    ``cv_*`` fields (its backbone where ``cv_backbone`` is None).

    Example:
        >>> cv_family(get_profile("default"))
        ('efficientnet_lite0', 'imagenet', False, 800)
    """
    return (profile.cv_backbone or profile.backbone, profile.weights, profile.cv_light,
            profile.cv_train_slices)


def cv_recipe_for(profile: Profile, split: str, sequences: tuple[str, ...] | None = None,
                  backbone: str | None = None, weights: str | None = "profile",
                  **fields) -> Recipe:
    """A recipe of the cross-validation family on ``split`` (another backbone or
    initialisation where asked).

    Args:
        profile: the run's profile.
        split: e.g. ``"fold0"``.
        sequences: default the profile's.
        backbone: default the family's.
        weights: ``"imagenet"``, None, or the family's (``"profile"``).
        fields: other :class:`Recipe` fields (``labels``, ``blank``).

    Example:
        >>> cv_recipe_for(get_profile("default"), "fold0").max_train
        800
    """
    b, w, light, max_train = cv_family(profile)
    return Recipe(split, backbone or b, w if weights == "profile" else weights, light, max_train,
                  sequences=tuple(sequences or profile.sequences), **fields)


def head_to_head_recipe(profile: Profile, backbone: str, weights: str | None) -> Recipe:
    """Chapter 3's run of one backbone: patient split, the lighter recipe on
    ``compare_train_slices`` FLAIR slices.

    Example:
        >>> head_to_head_recipe(get_profile("default"), "googlenet", None).sequences
        ('flair',)
    """
    return Recipe("patient", backbone, weights, True, profile.compare_train_slices,
                  sequences=(COMPARISON_SEQUENCE,))


def row_sites(data: Data) -> np.ndarray:
    """The site of every slice row of ``data`` (from the patient ids; ``"unknown"`` where an
    id names none).

    Args:
        data: the prepared data stages.

    Example:
        >>> data = gl.prepare_data(gl.get_profile("smoke"))
        >>> pd.Series(row_sites(data)).value_counts()
    """
    per_patient = sites(data.cohort["patient_id"])
    return data.index["patient_id"].map(per_patient).to_numpy().astype(str)


def site_codes(data: Data) -> tuple[np.ndarray, list[str]]:
    """Each row's site as a class index, and the sites in class order."""
    site = row_sites(data)
    classes = sorted(set(site))
    return pd.Series(site).map({s: k for k, s in enumerate(classes)}).to_numpy(), classes


def leave_site_out_split(data: Data) -> np.ndarray:
    """The leave-site-out split of ``data`` (ValueError where no group of whole sites holds
    both grades)."""
    p = data.profile
    return leave_site_out(data.index, row_sites(data), k=p.kfold, seed=p.seed)


def book_recipes(data: Data) -> dict[str, Recipe]:
    """Every recipe the book trains, by the name the chapters run it under.

    ``slice``, ``patient``, ``fusion`` (chapters 4–6); ``h2h-<backbone>`` (chapter 3);
    ``shuffled-slice``, ``shuffled-patient`` (chapter 6); ``fold<k>`` (chapter 7's
    cross-validation); ``transfer-imagenet``, ``transfer-scratch`` (chapter 6, on fold 0);
    ``leave-site-out`` (where the cohort can hold it), ``blanked``, ``site-classifier``
    (chapter 7's site experiments).

    Args:
        data: the prepared data stages (folds and sites come from them).

    Example:
        >>> sorted(book_recipes(prepare_data(get_profile("smoke"))))[:3]
        ['blanked', 'fold0', 'fold1']
    """
    from .compare import common_weights, compared_backbones

    p = data.profile
    main_b, main_w, _, _ = main_family(p)
    out = {"slice": Recipe("slice", main_b, main_w, sequences=p.sequences),
           "patient": Recipe("patient", main_b, main_w, sequences=p.sequences),
           "fusion": Recipe("patient", main_b, main_w, sequences=(FUSION,))}
    names = compared_backbones(p)
    weights = common_weights(names)
    out |= {f"h2h-{b}": head_to_head_recipe(p, b, weights) for b in names}
    one = (COMPARISON_SEQUENCE,)
    out |= {f"shuffled-{s}": cv_recipe_for(p, s, one, labels="shuffled")
            for s in ("slice", "patient")}
    n_folds = int(data.kfold().max()) + 1  # fewer than profile.kfold in a tiny cohort
    out |= {f"fold{k}": cv_recipe_for(p, f"fold{k}") for k in range(n_folds)}
    out["transfer-imagenet"] = cv_recipe_for(p, "fold0", one, "efficientnet_lite0", "imagenet")
    out["transfer-scratch"] = cv_recipe_for(p, "fold0", one, "efficientnet_lite0", None)
    try:
        leave_site_out_split(data)
    except ValueError:
        pass  # chapter 7 says why the cohort cannot hold it
    else:
        out["leave-site-out"] = cv_recipe_for(p, "leave-site-out", one)
    out["blanked"] = cv_recipe_for(p, "fold0", one, blank=True)
    out["site-classifier"] = cv_recipe_for(p, "fold0", one, labels="site")
    return out


#: Plan groups by recipe name prefix (``glioma-grade train --only``).
GROUPS = {"slice": "main", "patient": "main", "fusion": "main", "h2h": "h2h",
          "shuffled": "shuffled", "transfer": "transfer", "fold": "cv",
          "leave-site-out": "sites", "blanked": "sites", "site-classifier": "sites"}


def _group(name: str) -> str:
    return next(g for prefix, g in GROUPS.items() if name.startswith(prefix))


def plan(data: Data, only: list[str] | None = None) -> list[Unit]:
    """Every network the book trains, once each (recipes that train the same network, such as
    the transfer arm and cross-validation fold 0 under ``default``, are one unit: a recipe's
    fields other than its sequences make its spec on a cohort, :func:`spec_of`).

    Args:
        data: the prepared data stages.
        only: plan groups to keep (``main``, ``h2h``, ``shuffled``, ``transfer``, ``cv``,
            ``sites``); None keeps all.

    Example:
        >>> len(plan(prepare_data(get_profile("default"))))
    """
    units, seen = [], set()
    for name, recipe in book_recipes(data).items():
        group = _group(name)
        if only and group not in only:
            continue
        for seq in recipe.sequences:
            key = (replace(recipe, sequences=()), seq)
            if key not in seen:
                seen.add(key)
                units.append(Unit(f"{group}:{name}", recipe, seq))
    return units


def recipe_labels(data: Data, recipe: Recipe) -> np.ndarray | None:
    """The labels a recipe trains on: None (the grades), grades shuffled across patients, or
    site codes."""
    if recipe.labels == "shuffled":
        return shuffle_grades_by_patient(data.index, seed=data.profile.seed + 1)
    if recipe.labels == "site":
        return site_codes(data)[0]
    return None


def recipe_split(data: Data, recipe: Recipe) -> np.ndarray | None:
    """The per-row split of a recipe (None: the protocol's own slice or patient split)."""
    if recipe.split.startswith("fold"):
        return data.fold_split(int(recipe.split[4:]))
    if recipe.split == "leave-site-out":
        return leave_site_out_split(data)
    return None


def spec_of(data: Data, recipe: Recipe | str, train_profile: Profile | None = None,
            name: str | None = None) -> RunSpec:
    """The :class:`~glioma_lib.training.runspec.RunSpec` of a recipe on ``data``.

    Args:
        data: the prepared data stages.
        recipe: a :class:`Recipe`, or the name of one of :func:`book_recipes` (then also the
            run's name).
        train_profile: the profile the networks train under where it differs from the data's
            (another seed: its own folder, and no name, the name being the book's run).
        name: the run's name for a :class:`Recipe` given as such.

    Example:
        >>> spec = spec_of(gl.prepare_data(gl.get_profile("smoke")), "fold0")
        >>> spec.name, spec.protocol
        ('fold0', 'cv-fold0')
    """
    if isinstance(recipe, str):
        recipe, name = book_recipes(data)[recipe], recipe
    return RunSpec.build(data, recipe.protocol, train_profile, recipe_labels(data, recipe),
                         recipe.backbone, recipe.weights, recipe.light, recipe.max_train,
                         recipe_split(data, recipe), recipe.blank, recipe.class_weight, name)


def run_recipe(data: Data, recipe: Recipe | str, progress: bool = False,
               train_profile: Profile | None = None, name: str | None = None
               ) -> ProtocolRun:
    """Train (or reuse) a recipe's networks and predict its validation and test rows.

    Args:
        data: the prepared data stages.
        recipe: a :class:`Recipe`, or the name of one of :func:`book_recipes`.
        progress: show per-epoch progress bars.
        train_profile: the profile the networks train under where it differs from the
            data's (another training seed: same cohort, same split; its own folder).
        name: the run's name for a :class:`Recipe` given as such (``fold3``…).

    Example:
        >>> run_recipe(prepare_data(get_profile("smoke")), "patient").predictions.head()
    """
    if isinstance(recipe, str):
        recipe, name = book_recipes(data)[recipe], recipe
    return train_run(spec_of(data, recipe, train_profile, name), recipe.sequences, progress)
