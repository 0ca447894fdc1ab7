"""Small tables and captions shared by the notebooks."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from ..config import Profile
from .origin import trained_text


def model_cards(*runs) -> list[dict]:
    """The model cards behind trained runs: a ``ProtocolRun`` (one card per sequence), a
    cross-validation (every fold's), a dictionary of runs, or a model itself.

    Args:
        runs: trained runs, in any of the forms above.

    Example:
        >>> from types import SimpleNamespace as Net
        >>> model_cards({"t1": Net(card={"precision": "fp32"}, weights_note="random init")})
        [{'precision': 'fp32', 'weights_note': 'random init'}]
    """
    cards: list[dict] = []
    for run in runs:
        if isinstance(run, dict):
            cards += model_cards(*run.values())
        elif hasattr(run, "card"):  # a model
            cards.append({**run.card, "weights_note": run.weights_note})
        elif hasattr(run, "model"):  # one sequence's run
            cards += model_cards(run.model)
        elif hasattr(run, "runs"):  # a protocol (sequences) or a cross-validation (folds)
            cards += model_cards(*run.runs.values())
        else:
            raise TypeError(f"not a trained run: {type(run).__name__}")
    return cards


def _joined(values) -> str:
    return "; ".join(sorted(set(values)))


def caption(profile: Profile, source: str, *runs, weights: str | None = None) -> str:
    """The provenance line every table and figure carries: profile, data and, when the item
    shows trained models (``runs``), their initial weights, arithmetic (``fp32`` / ``bf16
    autocast``) and the CPU and commit they were trained on, as their model cards recorded
    them, so the caption cannot disagree with the models it shows.

    Args:
        profile: the run's profile.
        source: the data source (``Data.source``: ``"synthetic"`` or ``"BraTS (<root>)"``).
        runs: the trained runs the item shows (:func:`model_cards` forms).
        weights: a note that replaces the cards' weights notes (e.g. "see the table").

    Example:
        >>> caption(gl.get_profile("smoke"), "synthetic")
        'profile smoke; data: synthetic; 4 slices/patient at 64 px'
    """
    parts = [f"profile {profile.name}", f"data: {source}",
             f"{profile.n_slices} slices/patient at {profile.image_size} px"]
    if runs:
        cards = model_cards(*runs)
        parts += [f"weights: {weights or _joined(c['weights_note'] for c in cards)}",
                  _joined(c["precision"] for c in cards), trained_text(cards)]
    return "; ".join(parts)


def cohort_table(cohort: pd.DataFrame) -> pd.DataFrame:
    """Patients per grade, with the total.

    Args:
        cohort: an indexed cohort.

    Example:
        >>> cohort_table(pd.DataFrame({"grade": ["HGG", "LGG", "HGG"]}))["patients"].tolist()
        [1, 2, 3]
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
        >>> "no conclusion should be drawn" in sample_size_caveat(4)
        True
    """
    if n_patients >= minimum:
        return (f"The test set holds {n_patients} patients: the intervals below are wide but "
                f"informative.")
    return (f"This run's test set holds only {n_patients} patients (profile too small): its "
            f"intervals span most of the possible range and no conclusion should be drawn from "
            f"it; build the default profile for numbers that mean something.")


def always_hgg_sentence(table: pd.DataFrame, flat: list[str]) -> str:
    """Chapter 3's sentence on the backbones that do no better than calling every test slice
    HGG (:func:`glioma_lib.experiments.backbones.no_better_than_always_hgg`).

    Args:
        table: :func:`glioma_lib.experiments.backbones.head_to_head` output.
        flat: the backbones that do no better.

    Example:
        >>> always_hgg_sentence(pd.DataFrame({"always-HGG accuracy": [0.765]}), ["googlenet"])
        'googlenet does no better than calling every test slice HGG (0.765)'
    """
    if not flat:
        return "every backbone's test accuracy beats calling every test slice HGG"
    return (f"{', '.join(flat)} {'does' if len(flat) == 1 else 'do'} no better than calling "
            f"every test slice HGG ({table['always-HGG accuracy'].iloc[0]:.3f})")


def augmentation_text(profile: Profile) -> str:
    """How a profile augments its training set, in words (chapter 4).

    Args:
        profile: the run's profile.

    Example:
        >>> augmentation_text(gl.get_profile('paper'))
        'the offline 6× expansion and online augmentation'
    """
    if profile.offline_aug:
        return "the offline 6× expansion and online augmentation"
    return ("online augmentation only (this profile turns the offline 6× expansion off to fit "
            "its time budget; it sees about as many images per run as one epoch over the 6× "
            "set)")


def made_by(*functions: Callable) -> str:
    """The "how this is made" line under a caption: the library functions behind a table or
    figure (showyourwork's ``\\script{}`` idea). It takes the functions themselves, so a
    renamed or moved function breaks the build instead of leaving a stale name.

    Args:
        functions: functions (or classes, methods) of ``glioma_lib``.

    Example:
        >>> made_by(cohort_table)
        '\\nMade by glioma_lib.reporting.captions.cohort_table.'
    """
    names = []
    for f in functions:
        module, name = getattr(f, "__module__", None), getattr(f, "__qualname__", None)
        if not callable(f) or name is None or not str(module).startswith("glioma_lib"):
            raise TypeError(f"made_by takes glioma_lib's functions themselves, not {f!r}")
        names.append(f"{module}.{name}")
    return "\nMade by " + ", ".join(names) + "."
