"""What every chapter starts with: its parameters turned into a profile, the data stages and
the provenance caption (one call, so no chapter repeats the set-up)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..config import Profile, get_profile
from ..reporting.captions import caption


@dataclass
class Chapter:
    """A chapter's profile, data (``None`` when it needs none) and caption maker."""

    profile: Profile
    data: object | None

    @property
    def source(self) -> str:
        return self.data.source if self.data is not None else "none"

    @property
    def precision(self) -> str:
        """The arithmetic the profile's main networks train and infer in on this machine (what
        their model cards record once trained)."""
        from ..models.device import pick_device
        from ..training.precision import precision_name

        return precision_name(pick_device(), self.profile.precision, self.profile.backbone)

    def caption(self, *runs, weights: str | None = None) -> str:
        """The provenance line of this chapter's tables and figures, with the weights and
        arithmetic of the trained ``runs`` they show, read from their model cards
        (:func:`glioma_lib.reporting.captions.caption`)."""
        return caption(self.profile, self.source, *runs, weights=weights)


def open_chapter(profile: str = "smoke", brats_root: str | Path | None = None,
                 seed: int | None = None, data: bool = True) -> Chapter:
    """The set-up of a chapter from its three parameters (finished stages are reused).

    Args:
        profile: ``"smoke"``, ``"default"`` or ``"paper"``.
        brats_root: a real BraTS training folder, or None for the synthetic cohort.
        seed: overrides the profile's seed (None: the profile's).
        data: prepare the cohort and slice stages (chapters that only read benchmarks don't).

    Example:
        >>> ch = open_chapter("smoke")
        >>> ch.caption()
        'profile smoke; data: synthetic; 4 slices/patient at 64 px'
    """
    p = get_profile(profile, **({} if seed is None else {"seed": seed}))
    if not data:
        return Chapter(p, None)
    from ..data.stages import prepare_data

    return Chapter(p, prepare_data(p, brats_root, progress=False))
