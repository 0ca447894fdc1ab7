"""Small tables and captions shared by the notebooks."""

from __future__ import annotations

import pandas as pd

from ..config import Profile


def caption(profile: Profile, source: str, weights: str | None = None,
            backbone: str | None = None) -> str:
    """The provenance line every table and figure carries: profile, data and, when the item
    shows trained models, their weights and arithmetic (``fp32`` / ``bf16 autocast``: the
    precision the profile resolves to on this machine, which is what every cached model was
    trained in, as it is part of the models' cache key).

    Args:
        profile: the run's profile.
        source: the data source (``Data.source``: ``"synthetic"`` or ``"BraTS (<root>)"``).
        weights: the models' weights note, when the item shows trained models.
        backbone: their backbone (default: the profile's), which the precision depends on.

    Example:
        >>> caption(get_profile("smoke"), "synthetic")
        'profile smoke; data: synthetic; 4 slices/patient at 64 px'
    """
    parts = [f"profile {profile.name}", f"data: {source}",
             f"{profile.n_slices} slices/patient at {profile.image_size} px"]
    if weights is not None:
        from ..models.device import pick_device
        from ..training.precision import precision_name

        parts += [f"weights: {weights}", precision_name(pick_device(), profile.precision,
                                                       backbone or profile.backbone)]
    return "; ".join(parts)


def cohort_table(cohort: pd.DataFrame) -> pd.DataFrame:
    """Patients per grade, with the total.

    Args:
        cohort: an indexed cohort.

    Example:
        >>> cohort_table(data.cohort)
    """
    counts = cohort["grade"].value_counts().reindex(["LGG", "HGG"], fill_value=0)
    table = counts.rename("patients").to_frame()
    table.loc["total"] = table["patients"].sum()
    table.index.name = "grade"
    return table


def sample_size_caveat(n_patients: int, minimum: int = 30) -> str:
    """A sentence for the prose when a test set is too small to conclude anything.

    Args:
        n_patients: test patients.
        minimum: below it, the sentence warns.

    Example:
        >>> sample_size_caveat(4)
    """
    if n_patients >= minimum:
        return (f"The test set holds {n_patients} patients: the intervals below are wide but "
                f"informative.")
    return (f"This run's test set holds only {n_patients} patients (profile too small): its "
            f"intervals span most of the possible range and no conclusion should be drawn from "
            f"it; build the default profile for numbers that mean something.")


def augmentation_text(profile: Profile) -> str:
    """How a profile augments its training set, in words (chapter 4).

    Args:
        profile: the run's profile.

    Example:
        >>> augmentation_text(get_profile('paper'))
        'the offline 6× expansion and online augmentation'
    """
    if profile.offline_aug:
        return "the offline 6× expansion and online augmentation"
    return ("online augmentation only (this profile turns the offline 6× expansion off to fit "
            "its time budget; it sees about as many images per run as one epoch over the 6× "
            "set)")


def made_by(*functions: str) -> str:
    """The "how this is made" line appended to a caption: the library functions behind a
    table or figure (showyourwork's ``\\script{}`` idea), on a line of its own.

    Args:
        functions: dotted paths inside ``glioma_lib``.

    Example:
        >>> made_by("evaluation.tables.table2")
        '\\nMade by glioma_lib.evaluation.tables.table2.'
    """
    return "\nMade by " + ", ".join(f"glioma_lib.{f}" for f in functions) + "."
